import { Injectable, NotFoundException } from '@nestjs/common';
import { assertOwner, type AuthenticatedUser } from '@ecotrack/platform';
import { randomUUID } from 'node:crypto';
import { DataSource, In, type EntityManager } from 'typeorm';
import { OutboxWriter, topics } from '@ecotrack/events';
import { QuotesService } from '../quotes/quotes.service';
import type { CreateOrderDto, ListOrdersQuery, OrderDto, OrderPageDto } from './dto/order.dto';
import { IdempotencyRecord } from './idempotency-record.entity';
import { OrderMetrics } from './order-metrics';
import { OrderLine } from './order-line.entity';
import { idempotencyKeyReused, orderStateConflict } from './order-problems';
import { assertTransition, OrderStateConflictError, transitionOrder } from './order-status';
import { Order } from './order.entity';
import { requestHash } from './request-hash';
import { OrderSagas } from './saga/order-sagas';

export interface PlacedOrder {
  order: OrderDto;
  /** True when the Idempotency-Key had already produced this order. */
  replayed: boolean;
}

/** Roles that may read any customer's order. */
const READ_ANY = ['admin'];

@Injectable()
export class OrdersService {
  constructor(
    private readonly db: DataSource,
    private readonly quotes: QuotesService,
    private readonly sagas: OrderSagas,
    private readonly outbox: OutboxWriter,
    private readonly metrics: OrderMetrics,
  ) {}

  /**
   * Places an order once per (customer, Idempotency-Key). Prices and footprints
   * are read from product-service BEFORE the transaction, so when it is down
   * (503) or a product is unknown (422) nothing is written. Then one transaction
   * claims the key, and writes the order and its lines. Concurrent duplicates
   * meet at the key's primary key: PostgreSQL makes the later INSERT wait for
   * the first transaction; when that commits, the later one writes nothing and
   * replays the winner's order.
   *
   * The same transaction starts the create-order saga (its instance and first
   * command, in the outbox) and announces OrderPlaced: Kafka being down delays
   * the saga, it never loses an accepted order.
   */
  async place(customerId: string, key: string, request: CreateOrderDto): Promise<PlacedOrder> {
    const hash = requestHash(request);
    const earlier = await this.findKey(customerId, key);
    if (earlier) return this.replay(earlier, hash, key);

    const quote = await this.quotes.quote(request);
    const orderId = randomUUID();
    const reservationId = randomUUID();
    const paymentId = randomUUID();
    const created = await this.db.transaction(async (tx) => {
      const claimed: unknown[] = await tx.query(
        `INSERT INTO idempotency_keys (customer_id, idempotency_key, request_hash, order_id)
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING order_id`,
        [customerId, key, hash, orderId],
      );
      if (claimed.length === 0) return false; // a concurrent request with this key won
      await tx.query(
        `INSERT INTO orders (id, customer_id, status, total_cents, currency, carbon_kg_co2e, reservation_id, payment_id, payment_provider)
         VALUES ($1, $2, 'PENDING', $3, $4, $5, $6, $7, $8)`,
        [orderId, customerId, quote.totalCents, quote.currency, quote.carbonKgCo2e, reservationId, paymentId, request.payment.provider],
      );
      await tx.query(
        `INSERT INTO order_lines (order_id, line_no, product_id, name, quantity, unit_price_cents, line_total_cents, carbon_kg_co2e)
         SELECT $1, l.* FROM unnest($2::smallint[], $3::uuid[], $4::varchar[], $5::int[], $6::int[], $7::bigint[], $8::numeric[])
           AS l(line_no, product_id, name, quantity, unit_price_cents, line_total_cents, carbon_kg_co2e)`,
        [
          orderId,
          quote.lines.map((_line, index) => index + 1),
          quote.lines.map((line) => line.productId),
          quote.lines.map((line) => line.name),
          quote.lines.map((line) => line.quantity),
          quote.lines.map((line) => line.unitPriceCents),
          quote.lines.map((line) => line.lineTotalCents),
          quote.lines.map((line) => line.carbonKgCo2e),
        ],
      );
      const lines = quote.lines.map((line) => ({ productId: line.productId, quantity: line.quantity }));
      await this.outbox.write(tx, {
        topic: topics.order.events,
        type: 'OrderPlaced',
        aggregateId: orderId,
        payload: { orderId, userId: customerId, totalCents: quote.totalCents, currency: quote.currency, lines },
      });
      await this.sagas.placeOrder(tx, {
        orderId,
        customerId,
        reservationId,
        paymentId,
        lines,
        amountCents: quote.totalCents,
        currency: quote.currency,
        payment: { provider: request.payment.provider, paymentMethodToken: request.payment.paymentMethodToken },
      });
      return true;
    });
    if (!created) {
      const winner = await this.findKey(customerId, key);
      if (!winner) throw new Error(`idempotency key ${key} conflicted but cannot be read`);
      return this.replay(winner, hash, key);
    }
    // Committed, and by this request: a replay or a concurrent duplicate returned above.
    this.metrics.countPlaced(quote.currency);
    return { order: (await this.load(this.db.manager, orderId))!, replayed: false };
  }

  /** The caller's orders, newest first. */
  async listMine(customerId: string, page: ListOrdersQuery): Promise<OrderPageDto> {
    const [orders, total] = await this.db.getRepository(Order).findAndCount({
      where: { customerId },
      order: { createdAt: 'DESC', id: 'DESC' },
      skip: page.offset,
      take: page.limit,
    });
    return { items: await this.withLines(this.db.manager, orders), total, limit: page.limit, offset: page.offset };
  }

  /** The owner's order; admins may read any. Anyone else gets 404, as if it did not exist. */
  async get(id: string, user: AuthenticatedUser): Promise<OrderDto> {
    const order = await this.load(this.db.manager, id);
    if (!order) throw new NotFoundException('no such resource');
    assertOwner(order.customerId, user, { allowRoles: READ_ANY });
    return order;
  }

  /**
   * CONFIRMED → CANCELLING, by the owner only, starting the cancel-order saga (refund, restock)
   * that ends in CANCELLED. A PENDING order is still being processed, and REJECTED or CANCELLED
   * ones are final: 409 naming the state.
   */
  async cancel(id: string, user: AuthenticatedUser): Promise<OrderDto> {
    return this.db.transaction(async (tx) => {
      const order = await tx.getRepository(Order).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!order) throw new NotFoundException('no such resource');
      assertOwner(order.customerId, user);
      try {
        assertTransition(order.id, order.status, 'CANCELLING');
      } catch (error) {
        throw error instanceof OrderStateConflictError ? orderStateConflict(error) : error;
      }
      await transitionOrder(tx, id, 'CANCELLING');
      await this.sagas.cancelOrder(tx, {
        orderId: order.id,
        customerId: order.customerId,
        reservationId: order.reservationId!,
        paymentId: order.paymentId!,
      });
      return (await this.load(tx, id))!;
    });
  }

  private findKey(customerId: string, key: string): Promise<IdempotencyRecord | null> {
    return this.db.getRepository(IdempotencyRecord).findOneBy({ customerId, key });
  }

  /** The order a key produced, as it is now; the same key with another body is a 409. */
  private async replay(record: IdempotencyRecord, hash: string, key: string): Promise<PlacedOrder> {
    if (record.requestHash !== hash) throw idempotencyKeyReused(key);
    const order = await this.load(this.db.manager, record.orderId);
    if (!order) throw new Error(`order ${record.orderId} of idempotency key ${key} is missing`);
    return { order, replayed: true };
  }

  private async load(db: EntityManager, id: string): Promise<OrderDto | undefined> {
    const order = await db.getRepository(Order).findOneBy({ id });
    return order ? (await this.withLines(db, [order]))[0] : undefined;
  }

  private async withLines(db: EntityManager, orders: Order[]): Promise<OrderDto[]> {
    if (orders.length === 0) return [];
    const lines = await db.getRepository(OrderLine).find({
      where: { orderId: In(orders.map((order) => order.id)) },
      order: { orderId: 'ASC', lineNo: 'ASC' },
    });
    return orders.map((order) => toDto(order, lines.filter((line) => line.orderId === order.id)));
  }
}

function toDto(order: Order, lines: OrderLine[]): OrderDto {
  return {
    id: order.id,
    customerId: order.customerId,
    status: order.status,
    lines: lines.map((line) => ({
      productId: line.productId,
      name: line.name,
      quantity: line.quantity,
      unitPriceCents: line.unitPriceCents,
      lineTotalCents: line.lineTotalCents,
      carbonKgCo2e: line.carbonKgCo2e,
    })),
    totalCents: order.totalCents,
    currency: order.currency,
    carbonKgCo2e: order.carbonKgCo2e,
    paymentId: order.paymentId,
    rejectionReason: order.rejectionReason,
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
  };
}
