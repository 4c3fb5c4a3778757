import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { MessageHandlers, OutboxWriter, topics, type MessageType } from '@ecotrack/events';
import { APP_CONFIG } from '@ecotrack/core';
import { SagaCoordinator } from '@ecotrack/saga';
import type { EntityManager } from 'typeorm';
import type { OrderConfig } from '../../config';
import { cancelOrderSaga, type CancelOrderSagaData } from './cancel-order.saga';
import { createOrderSaga, type CreateOrderSagaData } from './create-order.saga';

/** Every reply a participant sends the order sagas, all on order.saga.replies. */
const REPLY_TYPES: readonly MessageType[] = [
  'InventoryReserved',
  'InventoryReservationFailed',
  'ReservationConfirmed',
  'ReservationReleased',
  'ReservationRestocked',
  'PaymentAuthorized',
  'PaymentAuthorizationFailed',
  'PaymentCaptured',
  'PaymentCaptureFailed',
  'PaymentVoided',
  'PaymentRefunded',
];

/**
 * The order's sagas and what their endings mean for the order: each outcome changes the
 * order's state and announces it on order.events in the transaction that ends the saga.
 */
@Injectable()
export class OrderSagas implements OnModuleInit {
  constructor(
    private readonly coordinator: SagaCoordinator,
    private readonly outbox: OutboxWriter,
    private readonly handlers: MessageHandlers,
    @Inject(APP_CONFIG) private readonly config: OrderConfig,
  ) {}

  onModuleInit(): void {
    const timeout = this.config.SAGA_STEP_TIMEOUT_MS;
    this.coordinator.register(
      createOrderSaga(timeout, {
        completed: (tx, _sagaId, order) => this.confirmed(tx, order),
        rejected: (tx, _sagaId, order, reason) => this.rejected(tx, order, reason),
      }),
    );
    this.coordinator.register(
      cancelOrderSaga(timeout, {
        completed: (tx, _sagaId, order) => this.cancelled(tx, order),
        // Both steps are retriable: this saga ends only by completing.
        rejected: async () => undefined,
      }),
    );
    for (const type of REPLY_TYPES) {
      this.handlers.on(topics.order.sagaReplies, type, async (reply, { manager }) => {
        if (!reply.correlationId || !reply.causationId) return; // not a saga reply: nothing to match it with
        await this.coordinator.handleReply(manager, {
          sagaId: reply.correlationId,
          inReplyTo: reply.causationId,
          type: reply.type,
          payload: reply.payload as Record<string, unknown>,
        });
      });
    }
  }

  /** Starts the purchase of a just-written PENDING order, in the same transaction. */
  placeOrder(tx: EntityManager, order: CreateOrderSagaData): Promise<string> {
    return this.coordinator.start(tx, 'create-order', order);
  }

  /** Starts undoing a CONFIRMED order (now CANCELLING), in the same transaction. */
  cancelOrder(tx: EntityManager, order: CancelOrderSagaData): Promise<string> {
    return this.coordinator.start(tx, 'cancel-order', order);
  }

  private async confirmed(tx: EntityManager, order: CreateOrderSagaData): Promise<void> {
    await tx.query(`UPDATE orders SET status = 'CONFIRMED', updated_at = now() WHERE id = $1 AND status = 'PENDING'`, [order.orderId]);
    await this.outbox.write(tx, {
      topic: topics.order.events,
      type: 'OrderConfirmed',
      aggregateId: order.orderId,
      payload: { orderId: order.orderId, userId: order.customerId, totalCents: order.amountCents, currency: order.currency },
    });
  }

  private async rejected(tx: EntityManager, order: CreateOrderSagaData, reason: string): Promise<void> {
    await tx.query(`UPDATE orders SET status = 'REJECTED', rejection_reason = $2, updated_at = now() WHERE id = $1 AND status = 'PENDING'`, [
      order.orderId,
      reason.slice(0, 500),
    ]);
    await this.outbox.write(tx, {
      topic: topics.order.events,
      type: 'OrderRejected',
      aggregateId: order.orderId,
      payload: { orderId: order.orderId, userId: order.customerId, reason: reason.slice(0, 500) },
    });
  }

  private async cancelled(tx: EntityManager, order: CancelOrderSagaData): Promise<void> {
    await tx.query(`UPDATE orders SET status = 'CANCELLED', updated_at = now() WHERE id = $1 AND status = 'CANCELLING'`, [order.orderId]);
    await this.outbox.write(tx, {
      topic: topics.order.events,
      type: 'OrderCancelled',
      aggregateId: order.orderId,
      payload: { orderId: order.orderId, userId: order.customerId },
    });
  }
}
