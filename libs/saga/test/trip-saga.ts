import type { CommandType, OutgoingPayload } from '@ecotrack/events';
import type { SagaCommand, SagaStep } from '../src/definition';

/**
 * A made-up business process for the saga tests: reserve a seat, then take the payment. Its steps
 * name the registry's real commands and replies, as every saga must (the compiler checks them);
 * the payloads are built from the trip only so that they are valid.
 */
export interface Trip {
  tripId: string;
  paymentId?: string;
}

/** Where the trip's participants answer. */
export const TRIP_REPLIES = 't.replies';

/** A command of the trip, keyed by it (so its commands keep their order). */
const tripCommand =
  <T extends CommandType>(type: T, payload: (trip: Trip) => OutgoingPayload<T>) =>
  (trip: Trip): SagaCommand<T> => ({ topic: 't.commands', type, key: trip.tripId, payload: payload(trip) });

const ids = (trip: Trip) => ({ orderId: trip.tripId, paymentId: trip.paymentId ?? trip.tripId });

export const tripCommands = {
  reserve: tripCommand('ReserveInventory', (trip) => ({ reservationId: trip.tripId, orderId: trip.tripId, lines: [{ productId: trip.tripId, quantity: 1 }] })),
  release: tripCommand('ReleaseReservation', (trip) => ({ reservationId: trip.tripId, reason: 'trip called off' })),
  authorize: tripCommand('AuthorizePayment', (trip) => ({ orderId: trip.tripId, userId: trip.tripId, amountCents: 100, currency: 'EUR', provider: 'paypal' as const })),
  void: tripCommand('VoidPayment', ids),
  capture: tripCommand('CapturePayment', ids),
  confirm: tripCommand('ConfirmReservation', (trip) => ({ reservationId: trip.tripId })),
};

/** reserve (undone by a release) → authorize (undone by a void; its reply names the payment). */
export function reserveAndAuthorize(timeouts: { reserveMs: number; authorizeMs: number }): SagaStep<Trip>[] {
  return [
    {
      name: 'reserve',
      invoke: tripCommands.reserve,
      succeeded: 'InventoryReserved',
      failed: 'InventoryReservationFailed',
      compensation: { invoke: tripCommands.release, done: 'ReservationReleased', orphan: (reply) => tripCommands.release({ tripId: String(reply.orderId) }) },
      timeoutMs: timeouts.reserveMs,
    },
    {
      name: 'authorize',
      invoke: tripCommands.authorize,
      succeeded: 'PaymentAuthorized',
      failed: 'PaymentAuthorizationFailed',
      onSucceeded: (data, reply) => ({ ...data, paymentId: String(reply.paymentId) }),
      compensation: { invoke: tripCommands.void, done: 'PaymentVoided' },
      timeoutMs: timeouts.authorizeMs,
    },
  ];
}
