import { topics } from '@ecotrack/events';
import { defineSaga, type ReplyPayload, type SagaDefinition, type SagaOutcomes } from '@ecotrack/saga';
import { toPayments, toProducts } from './order-commands';

/** What the saga carries from step to step; chosen ids make every retry idempotent. */
export interface CreateOrderSagaData {
  orderId: string;
  customerId: string;
  /** Chosen up front, so a release can name the reservation even if the reserve reply never came. */
  reservationId: string;
  /** Chosen up front, so a void can name the payment even if the authorize reply never came. */
  paymentId: string;
  lines: { productId: string; quantity: number }[];
  amountCents: number;
  currency: string;
  payment: { provider: 'stripe' | 'paypal'; paymentMethodToken: string };
}

const reserveInventory = (order: CreateOrderSagaData) =>
  toProducts('ReserveInventory', order, { reservationId: order.reservationId, orderId: order.orderId, lines: order.lines });
const releaseReservation = (order: CreateOrderSagaData) =>
  toProducts('ReleaseReservation', order, { reservationId: order.reservationId, reason: 'order rejected' });
/** A reservation made for an order this service lost (a restore, docs/dr.md): nobody will confirm it. */
const releaseOrphanReservation = (reply: ReplyPayload) =>
  toProducts('ReleaseReservation', { orderId: String(reply.orderId) }, { reservationId: String(reply.reservationId), reason: 'order lost in a database restore' });
const confirmReservation = (order: CreateOrderSagaData) => toProducts('ConfirmReservation', order, { reservationId: order.reservationId });

const authorizePayment = (order: CreateOrderSagaData) =>
  toPayments('AuthorizePayment', order, {
    paymentId: order.paymentId,
    orderId: order.orderId,
    userId: order.customerId,
    amountCents: order.amountCents,
    currency: order.currency,
    provider: order.payment.provider,
    paymentMethodToken: order.payment.paymentMethodToken,
  });
/** Void before capture; payment-service refunds instead if a capture did go through. */
const voidPayment = (order: CreateOrderSagaData) => toPayments('VoidPayment', order, { orderId: order.orderId, paymentId: order.paymentId });
/** An authorization for an order this service lost: nobody will capture it. */
const voidOrphanPayment = (reply: ReplyPayload) => toPayments('VoidPayment', { orderId: String(reply.orderId) }, { orderId: String(reply.orderId), paymentId: String(reply.paymentId) });
const capturePayment = (order: CreateOrderSagaData) => toPayments('CapturePayment', order, { orderId: order.orderId, paymentId: order.paymentId });

/**
 * An order becomes a paid purchase in two phases: first hold everything (stock, money), then
 * take it. Capturing the payment is the point of no return; confirming the reservation after it
 * cannot fail for a business reason (the units are already held), so it is retried until done.
 */
export function createOrderSaga(stepTimeoutMs: number, outcomes: SagaOutcomes<CreateOrderSagaData>): SagaDefinition<CreateOrderSagaData> {
  return defineSaga<CreateOrderSagaData>(
    'create-order',
    topics.order.sagaReplies,
    [
      {
        name: 'reserve inventory',
        invoke: reserveInventory,
        succeeded: 'InventoryReserved',
        failed: 'InventoryReservationFailed',
        compensation: { invoke: releaseReservation, done: 'ReservationReleased', orphan: releaseOrphanReservation },
        timeoutMs: stepTimeoutMs,
      },
      {
        name: 'authorize payment',
        invoke: authorizePayment,
        succeeded: 'PaymentAuthorized',
        failed: 'PaymentAuthorizationFailed',
        compensation: { invoke: voidPayment, done: 'PaymentVoided', orphan: voidOrphanPayment },
        timeoutMs: stepTimeoutMs,
      },
      {
        name: 'capture payment',
        invoke: capturePayment,
        succeeded: 'PaymentCaptured',
        failed: 'PaymentCaptureFailed',
        // The gateway call is idempotent by payment id: resending cannot capture twice.
        attempts: 3,
        timeoutMs: stepTimeoutMs,
      },
      { name: 'confirm reservation', invoke: confirmReservation, succeeded: 'ReservationConfirmed', retriable: true, timeoutMs: stepTimeoutMs },
    ],
    outcomes,
  );
}
