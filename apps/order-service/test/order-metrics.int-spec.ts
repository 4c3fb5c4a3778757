import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SagaCoordinator } from '@ecotrack/saga';
import { METRICS_REGISTRY, metricValue } from '@ecotrack/telemetry';
import type { ServiceProcess } from '@ecotrack/testing';
import { randomUUID } from 'node:crypto';
import type { Registry } from 'prom-client';
import { DataSource, type EntityManager } from 'typeorm';
import { clientAs, closeTestIdentity, deleteOrdersOf, ProductFixtures, startOrderService, startProductService } from './support';

/**
 * The business metrics move once per fact: quotes, orders placed (an idempotent replay is no new
 * order), and the ends of the sagas (confirmed with revenue and footprint, rejected by reason
 * class, cancelled), counted after the transaction that ended the saga commits; a duplicate reply
 * or a rolled-back transaction counts nothing. Replies are applied through the coordinator, as the
 * consumer applies them, to sagas written at the step under test (no participant involved).
 */
describe('order business metrics (real PostgreSQL, the real product-service over HTTP)', () => {
  let products: ServiceProcess;
  let app: NestFastifyApplication;
  let db: DataSource;
  let coordinator: SagaCoordinator;
  let fixtures: ProductFixtures;
  let soap: string; // 450 cents, 0.2 kg
  const customers: string[] = [];
  const sagas: string[] = [];

  const value = (name: string, labels: Record<string, string> = {}) => metricValue(app.get<Registry>(METRICS_REGISTRY), name, labels);
  const figures = async () => ({
    confirmed: await value('ecotrack_orders_confirmed_total', { currency: 'EUR' }),
    revenue: await value('ecotrack_revenue_minor_units_total', { currency: 'EUR' }),
    carbon: await value('ecotrack_carbon_footprint_sold_kilograms_total'),
    declined: await value('ecotrack_orders_rejected_total', { reason_class: 'payment_declined' }),
    cancelled: await value('ecotrack_orders_cancelled_total', { currency: 'EUR' }),
  });

  /** An order in `status` (1999 cents, 2.5 kg) and its saga waiting at `stepIndex` for a reply to a command that was never published. */
  async function sagaAt(sagaName: 'create-order' | 'cancel-order', stepIndex: number, orderStatus: string) {
    const customerId = randomUUID();
    customers.push(customerId);
    const ids = { orderId: randomUUID(), reservationId: randomUUID(), paymentId: randomUUID(), sagaId: randomUUID(), awaiting: randomUUID() };
    await db.query(
      `INSERT INTO orders (id, customer_id, status, total_cents, currency, carbon_kg_co2e, reservation_id, payment_id, payment_provider)
       VALUES ($1, $2, $3, 1999, 'EUR', 2.5, $4, $5, 'stripe')`,
      [ids.orderId, customerId, orderStatus, ids.reservationId, ids.paymentId],
    );
    const base = { orderId: ids.orderId, customerId, reservationId: ids.reservationId, paymentId: ids.paymentId };
    const data =
      sagaName === 'create-order'
        ? { ...base, lines: [{ productId: soap, quantity: 1 }], amountCents: 1999, currency: 'EUR', payment: { provider: 'stripe', paymentMethodToken: 'pm_card_visa' } }
        : base;
    await db.query(
      `INSERT INTO saga_instances (id, saga_name, status, step_index, attempt, data, awaiting_message_id, step_timeout_ms, deadline_at)
       VALUES ($1, $2, 'RUNNING', $3, 1, $4, $5, 600000, now() + interval '10 minutes')`,
      [ids.sagaId, sagaName, stepIndex, JSON.stringify(data), ids.awaiting],
    );
    sagas.push(ids.sagaId);
    return ids;
  }
  const reply = (tx: EntityManager, sagaId: string, inReplyTo: string, type: string, payload: Record<string, unknown>) =>
    coordinator.handleReply(tx, { sagaId, inReplyTo, type, payload } as Parameters<SagaCoordinator['handleReply']>[1]);
  const awaitingOf = async (sagaId: string) => (await db.query('SELECT awaiting_message_id FROM saga_instances WHERE id = $1', [sagaId]))[0].awaiting_message_id as string;

  beforeAll(async () => {
    products = await startProductService();
    app = await startOrderService(products.baseUrl, { RATE_LIMIT_ENABLED: 'false' });
    db = app.get(DataSource);
    coordinator = app.get(SagaCoordinator);
    fixtures = await ProductFixtures.connect();
    soap = await fixtures.product({ name: 'Olive soap', priceCents: 450, carbonKgCo2e: 0.2 });
  }, 90_000);
  afterAll(async () => {
    if (db) {
      await db.query('DELETE FROM saga_instances WHERE id = ANY($1::uuid[])', [sagas]);
      await deleteOrdersOf(db, customers);
    }
    await app?.close();
    await fixtures?.close();
    await products?.stop();
    await closeTestIdentity();
  }, 30_000);

  it('quotes and placed orders count once each; the same Idempotency-Key again is a replay and no new order', async () => {
    const quotes = await value('ecotrack_order_quotes_total', { currency: 'EUR' });
    const placed = await value('ecotrack_orders_placed_total', { currency: 'EUR' });
    const basket = { items: [{ productId: soap, quantity: 2 }] };
    expect((await app.inject({ method: 'POST', url: '/v1/quotes', payload: basket })).statusCode).toBe(200);
    expect(await value('ecotrack_order_quotes_total', { currency: 'EUR' })).toBe(quotes + 1);

    const alice = await clientAs(app);
    customers.push(alice.userId);
    const key = randomUUID();
    const order = { ...basket, payment: { provider: 'stripe', paymentMethodToken: 'pm_card_visa' } };
    const first = await alice.inject({ method: 'POST', url: '/v1/orders', headers: { 'idempotency-key': key }, payload: order });
    expect(first.statusCode).toBe(202);
    const replay = await alice.inject({ method: 'POST', url: '/v1/orders', headers: { 'idempotency-key': key }, payload: order });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(await value('ecotrack_orders_placed_total', { currency: 'EUR' })).toBe(placed + 1);
    // Placing is not quoting: the order priced its basket without counting a quote.
    expect(await value('ecotrack_order_quotes_total', { currency: 'EUR' })).toBe(quotes + 1);
    // The real saga of this order is not under test here: ended, so replies to it are ignored.
    await db.query(`UPDATE saga_instances SET status = 'COMPLETED', version = version + 1 WHERE data->>'orderId' = $1`, [first.json().id]);
  });

  it('the service exposes its database pool and statement metrics (DatabaseModule wires them for every service)', async () => {
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    for (const state of ['in_use', 'idle']) expect(text).toMatch(new RegExp(`^ecotrack_db_pool_connections\\{state="${state}",service="order-service"\\} \\d+$`, 'm'));
    expect(text).toMatch(/^ecotrack_db_pool_waiting_requests\{service="order-service"\} 0$/m);
    expect(text).toMatch(/^ecotrack_db_pool_max_connections\{service="order-service"\} 10$/m); // DATABASE_POOL_MAX's default
    // The service's own statements (readiness checks, the saga poller) are timed under their kind.
    const selects = Number(/^ecotrack_db_query_duration_seconds_count\{[^}]*operation="select"[^}]*\} (\d+)$/m.exec(text)?.[1]);
    expect(selects).toBeGreaterThan(0);
    expect(text).toMatch(/^ecotrack_db_slow_queries_total\{[^}]*operation="select"[^}]*\} \d+$/m);
  });

  it('confirmed: counted with its revenue and footprint after the commit; a rolled-back transaction and a duplicate reply count nothing', async () => {
    const before = await figures();
    const { sagaId, awaiting } = await sagaAt('create-order', 3, 'PENDING'); // the last step: confirm reservation

    // Applied, then rolled back (as a conflict would): not a fact, not counted.
    await expect(
      db.transaction(async (tx) => {
        expect(await reply(tx, sagaId, awaiting, 'ReservationConfirmed', { reservationId: randomUUID() })).toBe('applied');
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await figures()).toEqual(before);

    expect(await db.transaction((tx) => reply(tx, sagaId, awaiting, 'ReservationConfirmed', { reservationId: randomUUID() }))).toBe('applied');
    const after = { ...before, confirmed: before.confirmed + 1, revenue: before.revenue + 1999, carbon: before.carbon + 2.5 };
    expect(await figures()).toEqual(after);

    expect(await db.transaction((tx) => reply(tx, sagaId, awaiting, 'ReservationConfirmed', { reservationId: randomUUID() }))).toBe('ignored');
    expect(await figures()).toEqual(after);
  });

  it('rejected: counted once by reason class when the compensation is done; a duplicate reply counts nothing', async () => {
    const before = await figures();
    const { sagaId, awaiting, orderId, paymentId } = await sagaAt('create-order', 1, 'PENDING'); // authorize payment
    const reason = 'payment declined (stripe: Your card was declined.)';
    await db.transaction(async (tx) => {
      expect(await reply(tx, sagaId, awaiting, 'PaymentAuthorizationFailed', { orderId, paymentId, reason })).toBe('applied');
      // The release it sends stays unpublished: the test answers it, no product-service does.
      await tx.query('DELETE FROM outbox WHERE id = (SELECT awaiting_message_id FROM saga_instances WHERE id = $1)', [sagaId]);
    });
    expect(await figures()).toEqual(before); // compensating: not rejected yet

    const release = await awaitingOf(sagaId);
    expect(await db.transaction((tx) => reply(tx, sagaId, release, 'ReservationReleased', { reservationId: randomUUID() }))).toBe('applied');
    expect(await figures()).toEqual({ ...before, declined: before.declined + 1 });
    expect(await db.query('SELECT status, rejection_reason FROM orders WHERE id = $1', [orderId])).toEqual([{ status: 'REJECTED', rejection_reason: reason }]);

    expect(await db.transaction((tx) => reply(tx, sagaId, release, 'ReservationReleased', { reservationId: randomUUID() }))).toBe('ignored');
    expect(await figures()).toEqual({ ...before, declined: before.declined + 1 });
  });

  it('cancelled: counted once when the cancel saga completes', async () => {
    const before = await figures();
    const { sagaId, awaiting } = await sagaAt('cancel-order', 1, 'CANCELLING'); // restock
    for (const outcome of ['applied', 'ignored']) {
      expect(await db.transaction((tx) => reply(tx, sagaId, awaiting, 'ReservationRestocked', { reservationId: randomUUID() }))).toBe(outcome);
      expect(await figures()).toEqual({ ...before, cancelled: before.cancelled + 1 });
    }
  });
});
