import { topics } from '@ecotrack/events';
import { defineSaga, type SagaDefinition, type SagaOutcomes } from '@ecotrack/saga';
import { toPayments, toProducts } from './order-commands';

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
        invoke: (order) => toPayments('RefundPayment', order, { orderId: order.orderId, paymentId: order.paymentId }),
        succeeded: 'PaymentRefunded',
        retriable: true,
        timeoutMs: stepTimeoutMs,
      },
      {
        name: 'restock',
        invoke: (order) => toProducts('RestockReservation', order, { reservationId: order.reservationId, orderId: order.orderId }),
        succeeded: 'ReservationRestocked',
        retriable: true,
        timeoutMs: stepTimeoutMs,
      },
    ],
    outcomes,
  );
}
