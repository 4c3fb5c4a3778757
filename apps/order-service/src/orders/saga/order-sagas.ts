import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { OutboxWriter, topics } from '@ecotrack/events';
import { APP_CONFIG } from '@ecotrack/core';
import { afterCommit } from '@ecotrack/platform';
import { SagaCoordinator } from '@ecotrack/saga';
import type { EntityManager } from 'typeorm';
import type { OrderConfig } from '../../config';
import { OrderMetrics } from '../order-metrics';
import { transitionOrderFigures } from '../order-status';
import { cancelOrderSaga, type CancelOrderSagaData } from './cancel-order.saga';
import { createOrderSaga, type CreateOrderSagaData } from './create-order.saga';

/** A rejection reason as the order keeps and announces it. */
const MAX_REASON_LENGTH = 500;

/**
 * The order's sagas and what their endings mean for the order: each ending moves the order on
 * (through the transition table) and announces it on order.events, in the transaction that ends
 * the saga. Registering the sagas is all the wiring: the coordinator takes their replies itself.
 */
@Injectable()
export class OrderSagas implements OnModuleInit {
  constructor(
    private readonly coordinator: SagaCoordinator,
    private readonly outbox: OutboxWriter,
    @Inject(APP_CONFIG) private readonly config: OrderConfig,
    private readonly metrics: OrderMetrics,
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
  }

  /** Starts the purchase of a just-written PENDING order, in the same transaction. */
  placeOrder(tx: EntityManager, order: CreateOrderSagaData): Promise<string> {
    return this.coordinator.start(tx, 'create-order', order);
  }

  /** Starts undoing a CONFIRMED order (now CANCELLING), in the same transaction. */
  cancelOrder(tx: EntityManager, order: CancelOrderSagaData): Promise<string> {
    return this.coordinator.start(tx, 'cancel-order', order);
  }

  /** Stock held and money taken: the order is a purchase. */
  private async confirmed(tx: EntityManager, order: CreateOrderSagaData): Promise<void> {
    const confirmed = await transitionOrderFigures(tx, order.orderId, 'CONFIRMED');
    if (confirmed) afterCommit(tx, () => this.metrics.countConfirmed(confirmed));
    await this.outbox.write(tx, {
      topic: topics.order.events,
      type: 'OrderConfirmed',
      aggregateId: order.orderId,
      payload: { orderId: order.orderId, userId: order.customerId, totalCents: order.amountCents, currency: order.currency },
    });
  }

  /** A step refused or nobody answered: what was held is given back, the customer learns why. */
  private async rejected(tx: EntityManager, order: CreateOrderSagaData, reason: string): Promise<void> {
    if (await transitionOrderFigures(tx, order.orderId, 'REJECTED', reason.slice(0, MAX_REASON_LENGTH))) {
      afterCommit(tx, () => this.metrics.countRejected(reason));
    }
    await this.outbox.write(tx, {
      topic: topics.order.events,
      type: 'OrderRejected',
      aggregateId: order.orderId,
      payload: { orderId: order.orderId, userId: order.customerId, reason: reason.slice(0, MAX_REASON_LENGTH) },
    });
  }

  /** The money is back and the units are in stock again. */
  private async cancelled(tx: EntityManager, order: CancelOrderSagaData): Promise<void> {
    const cancelled = await transitionOrderFigures(tx, order.orderId, 'CANCELLED');
    if (cancelled) afterCommit(tx, () => this.metrics.countCancelled(cancelled));
    await this.outbox.write(tx, {
      topic: topics.order.events,
      type: 'OrderCancelled',
      aggregateId: order.orderId,
      payload: { orderId: order.orderId, userId: order.customerId },
    });
  }
}
