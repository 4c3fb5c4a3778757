import type { SagaCommand, SagaStep } from '../src/definition';

/** A made-up business process for the saga tests: reserve a seat, then take the payment. */
export interface Trip {
  tripId: string;
  paymentId?: string;
}

export const tripCommand =
  (type: string) =>
  (trip: Trip): SagaCommand => ({ topic: 't.commands', type, key: trip.tripId, payload: { ...trip } });

/** reserve (undone by Release) → authorize (undone by Void; its reply names the payment). */
export function reserveAndAuthorize(timeouts: { reserveMs: number; authorizeMs: number }): SagaStep<Trip>[] {
  return [
    {
      name: 'reserve',
      invoke: tripCommand('Reserve'),
      succeeded: 'Reserved',
      failed: 'ReserveFailed',
      compensation: { invoke: tripCommand('Release'), done: 'Released' },
      timeoutMs: timeouts.reserveMs,
    },
    {
      name: 'authorize',
      invoke: tripCommand('Authorize'),
      succeeded: 'Authorized',
      failed: 'AuthorizeFailed',
      onSucceeded: (data, reply) => ({ ...data, paymentId: String(reply.paymentId) }),
      compensation: { invoke: tripCommand('Void'), done: 'Voided' },
      timeoutMs: timeouts.authorizeMs,
    },
  ];
}
