import { topics } from '@ecotrack/events';
import { defineSaga, type SagaDefinition, type SagaOutcomes } from '@ecotrack/saga';

export interface CancelOrderSagaData {
  orderId: string;
  customerId: string;
  reservationId: string;
  paymentId: string;
}

/**
 * A customer cancels a CONFIRMED order: the money goes back and the units return to stock.
 * Neither can be refused once the order was confirmed, so both are retried until done.
 */
export function cancelOrderSaga(stepTimeoutMs: number, outcomes: SagaOutcomes<CancelOrderSagaData>): SagaDefinition<CancelOrderSagaData> {
  return defineSaga<CancelOrderSagaData>(
    'cancel-order',
    topics.order.sagaReplies,
    [
      {
        name: 'refund payment',
        invoke: (order) => ({
          topic: topics.payment.commands,
          type: 'RefundPayment',
          key: order.orderId,
          payload: { orderId: order.orderId, paymentId: order.paymentId },
        }),
        succeeded: 'PaymentRefunded',
        retriable: true,
        timeoutMs: stepTimeoutMs,
      },
      {
        name: 'restock',
        invoke: (order) => ({
          topic: topics.product.commands,
          type: 'RestockReservation',
          key: order.orderId,
          payload: { reservationId: order.reservationId, orderId: order.orderId },
        }),
        succeeded: 'ReservationRestocked',
        retriable: true,
        timeoutMs: stepTimeoutMs,
      },
    ],
    outcomes,
  );
}
