import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PROBLEM_CONTENT_TYPE } from '@ecotrack/platform';
import type { ServiceProcess } from '@ecotrack/testing';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { transitionOrder } from '../src/orders/order-status';
import { clientAs, closeTestIdentity, deleteOrdersOf, ProductFixtures, rowsOf, startOrderService, startProductService, type Client } from './support';

describe('orders (real PostgreSQL, the real product-service over HTTP)', () => {
  let products: ServiceProcess;
  let app: NestFastifyApplication;
  let db: DataSource;
  let fixtures: ProductFixtures;
  let brush: string; // 399 cents, 0.12 kg
  let bottle: string; // 2450 cents, 1.337 kg
  const customers: string[] = [];

  const customer = async (roles = ['customer']) => {
    const client = await clientAs(app, roles);
    customers.push(client.userId);
    return client;
  };
  const place = (client: Client, key: string, body: unknown) =>
    client.inject({ method: 'POST', url: '/v1/orders', headers: { 'idempotency-key': key }, payload: body as object });
  const payment = { provider: 'stripe', paymentMethodToken: 'pm_card_visa' };
  const basket = () => ({ items: [{ productId: brush, quantity: 3 }, { productId: bottle, quantity: 1 }], payment });

  beforeAll(async () => {
    products = await startProductService();
    app = await startOrderService(products.baseUrl);
    db = app.get(DataSource);
    fixtures = await ProductFixtures.connect();
    brush = await fixtures.product({ name: 'Bamboo toothbrush', priceCents: 399, carbonKgCo2e: 0.12 });
    bottle = await fixtures.product({ name: 'Steel bottle', priceCents: 2450, carbonKgCo2e: 1.337 });
  }, 90_000);
  afterAll(async () => {
    if (db) await deleteOrdersOf(db, customers);
    // Closing the app leaves its Kafka consumer group: bounded, but up to a few seconds.
    await app?.close();
    await fixtures?.close();
    await products?.stop();
    await closeTestIdentity();
  }, 30_000);

  it('places an order: 202, Location, PENDING, priced and footprinted by product-service; order, saga and first messages written at once', async () => {
    const alice = await customer();
    const response = await place(alice, randomUUID(), basket());

    expect(response.statusCode).toBe(202);
    const order = response.json();
    expect(response.headers.location).toBe(`/v1/orders/${order.id}`);
    expect(response.headers['idempotent-replayed']).toBeUndefined();
    expect(order).toMatchObject({
      customerId: alice.userId,
      status: 'PENDING',
      totalCents: 3 * 399 + 2450,
      currency: 'EUR',
      carbonKgCo2e: 1.697,
      lines: [
        { productId: brush, name: 'Bamboo toothbrush', quantity: 3, unitPriceCents: 399, lineTotalCents: 1197, carbonKgCo2e: 0.36 },
        { productId: bottle, name: 'Steel bottle', quantity: 1, unitPriceCents: 2450, lineTotalCents: 2450, carbonKgCo2e: 1.337 },
      ],
    });
    expect(await rowsOf(db, alice.userId)).toEqual({ orders: 1, lines: 2, keys: 1 });
    expect((await alice.inject({ method: 'GET', url: response.headers.location as string })).json()).toMatchObject({ id: order.id, customerId: order.customerId, lines: order.lines, totalCents: order.totalCents });
  });

  it('a client cannot send prices: price fields are unknown fields (400), and nothing is written', async () => {
    const alice = await customer();
    for (const body of [
      { ...basket(), totalCents: 1 },
      { items: [{ productId: brush, quantity: 1, priceCents: 1 }] },
    ]) {
      const response = await place(alice, randomUUID(), body);
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    }
    expect(await rowsOf(db, alice.userId)).toEqual({ orders: 0, lines: 0, keys: 0 });
  });

  it('the same key and body again replays the same order (202, Idempotent-Replayed: true), with one row; key order in the JSON does not matter', async () => {
    const alice = await customer();
    const key = randomUUID();
    const first = await place(alice, key, basket());
    const again = await place(alice, key, { payment, items: basket().items.map(({ productId, quantity }) => ({ quantity, productId })) });

    expect(again.statusCode).toBe(202);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers.location).toBe(first.headers.location);
    expect(again.json()).toEqual(first.json());
    expect(await rowsOf(db, alice.userId)).toEqual({ orders: 1, lines: 2, keys: 1 });
  });

  it('the same key with another body is a 409 problem, and no second order', async () => {
    const alice = await customer();
    const key = randomUUID();
    await place(alice, key, basket());
    const other = await place(alice, key, { items: [{ productId: brush, quantity: 1 }], payment });

    expect(other.statusCode).toBe(409);
    expect(other.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(other.json()).toMatchObject({ type: 'urn:ecotrack:problem:idempotency-key-reused', idempotencyKey: key });
    expect(await rowsOf(db, alice.userId)).toEqual({ orders: 1, lines: 2, keys: 1 });
  });

  it('keys are per customer: two customers may use the same key for their own orders', async () => {
    const [alice, bob] = [await customer(), await customer()];
    const key = randomUUID();
    const a = await place(alice, key, basket());
    const b = await place(bob, key, basket());
    expect([a.statusCode, b.statusCode]).toEqual([202, 202]);
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    expect(a.json().id).not.toBe(b.json().id);
  });

  it('10 concurrent requests with one key produce exactly one order; the others replay it', async () => {
    const alice = await customer();
    const key = randomUUID();
    const responses = await Promise.all(Array.from({ length: 10 }, () => place(alice, key, basket())));

    expect(responses.map((r) => r.statusCode)).toEqual(Array(10).fill(202));
    expect(new Set(responses.map((r) => r.json().id)).size).toBe(1);
    expect(responses.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(9);
    expect(await rowsOf(db, alice.userId)).toEqual({ orders: 1, lines: 2, keys: 1 });
  }, 30_000);

  it("lists only the caller's orders, newest first, paged", async () => {
    const [alice, bob] = [await customer(), await customer()];
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await place(alice, randomUUID(), { items: [{ productId: brush, quantity: i + 1 }], payment })).json().id);
    await place(bob, randomUUID(), basket());

    const all = await alice.inject({ method: 'GET', url: '/v1/orders' });
    expect(all.statusCode).toBe(200);
    expect(all.json()).toMatchObject({ total: 3, limit: 20, offset: 0 });
    expect(all.json().items.map((o: { id: string }) => o.id)).toEqual([...ids].reverse());
    expect(all.json().items.every((o: { customerId: string }) => o.customerId === alice.userId)).toBe(true);

    const page = await alice.inject({ method: 'GET', url: '/v1/orders?limit=1&offset=1' });
    expect(page.json()).toMatchObject({ total: 3, limit: 1, offset: 1, items: [{ id: ids[1] }] });
    expect((await alice.inject({ method: 'GET', url: '/v1/orders?limit=0' })).statusCode).toBe(400);
  });

  it("another customer's order is a 404 (as if it did not exist); an admin reads any", async () => {
    const [alice, bob, admin] = [await customer(), await customer(), await customer(['admin'])];
    const order = (await place(alice, randomUUID(), basket())).json();

    const forBob = await bob.inject({ method: 'GET', url: `/v1/orders/${order.id}` });
    expect(forBob.statusCode).toBe(404);
    expect(forBob.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    const missing = await bob.inject({ method: 'GET', url: `/v1/orders/${randomUUID()}` });
    expect({ ...forBob.json(), instance: undefined }).toEqual({ ...missing.json(), instance: undefined }); // indistinguishable from no order

    // One transaction wrote the saga instance, its first command and the OrderPlaced event.
    const [saga] = await db.query(`SELECT saga_name, status, step_index, data FROM saga_instances WHERE data->>'orderId' = $1`, [order.id]);
    expect(saga).toMatchObject({ saga_name: 'create-order', step_index: 0, data: { orderId: order.id, customerId: alice.userId, amountCents: 3647, payment } });
    const messages: { message_type: string; topic: string }[] = await db.query(
      `SELECT message_type, topic FROM outbox WHERE message_key = $1 ORDER BY created_at, id`,
      [order.id],
    );
    expect(messages).toEqual(
      expect.arrayContaining([
        { message_type: 'OrderPlaced', topic: 'order.events' },
        { message_type: 'ReserveInventory', topic: 'product.commands' },
      ]),
    );

    const forAdmin = await admin.inject({ method: 'GET', url: `/v1/orders/${order.id}` });
    expect(forAdmin.statusCode).toBe(200);
    expect(forAdmin.json()).toMatchObject({ id: order.id, customerId: order.customerId, lines: order.lines, totalCents: order.totalCents }); // its status moves on: the saga runs
    expect((await alice.inject({ method: 'GET', url: '/v1/orders/not-a-uuid' })).statusCode).toBe(400);
  });

  it('cancel: a PENDING order is still being processed (409); a CONFIRMED one becomes CANCELLING (202) and starts the cancel saga; not the owner is a 404', async () => {
    const [alice, bob] = [await customer(), await customer()];
    const order = (await place(alice, randomUUID(), basket())).json();

    const byBob = await bob.inject({ method: 'POST', url: `/v1/orders/${order.id}/cancel` });
    expect(byBob.statusCode).toBe(404);

    // The real saga runs against the real product-service and may already have decided this
    // order; hold it at PENDING (its saga finished) so the rule, not the race, is under test.
    await db.query(`UPDATE saga_instances SET status = 'COMPLETED', version = version + 1 WHERE data->>'orderId' = $1`, [order.id]);
    await db.query(`UPDATE orders SET status = 'PENDING' WHERE id = $1`, [order.id]);
    const pending = await alice.inject({ method: 'POST', url: `/v1/orders/${order.id}/cancel` });
    expect(pending.statusCode).toBe(409);
    expect(pending.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(pending.json()).toMatchObject({ type: 'urn:ecotrack:problem:order-state-conflict', orderId: order.id, orderStatus: 'PENDING' });
    expect(pending.json().detail).toContain('being processed');

    // As the create-order saga would leave it: CONFIRMED.
    await db.query(`UPDATE orders SET status = 'CONFIRMED' WHERE id = $1`, [order.id]);
    const cancelling = await alice.inject({ method: 'POST', url: `/v1/orders/${order.id}/cancel` });
    expect(cancelling.statusCode).toBe(202);
    expect(cancelling.json()).toMatchObject({ id: order.id, status: 'CANCELLING' });
    const [saga] = await db.query(`SELECT data FROM saga_instances WHERE saga_name = 'cancel-order' AND data->>'orderId' = $1`, [order.id]);
    const [stored] = await db.query(`SELECT reservation_id, payment_id FROM orders WHERE id = $1`, [order.id]);
    expect(saga.data).toEqual({ orderId: order.id, customerId: alice.userId, reservationId: stored.reservation_id, paymentId: stored.payment_id });

    const twice = await alice.inject({ method: 'POST', url: `/v1/orders/${order.id}/cancel` });
    expect(twice.statusCode).toBe(409);
    expect(twice.json()).toMatchObject({ orderStatus: 'CANCELLING' });

    for (const status of ['CANCELLED', 'REJECTED']) {
      const other = (await place(alice, randomUUID(), basket())).json();
      await db.query(`UPDATE orders SET status = $2 WHERE id = $1`, [other.id, status]);
      const refused = await alice.inject({ method: 'POST', url: `/v1/orders/${other.id}/cancel` });
      expect(refused.statusCode).toBe(409);
      expect(refused.json()).toMatchObject({ orderStatus: status });
      expect(refused.json().detail).toContain(status);
    }
  });

  it('an order status is written only from a state the table leads there from: the first ending wins, a second changes nothing', async () => {
    const alice = await customer();
    const order = (await place(alice, randomUUID(), basket())).json();
    // Hold the order at PENDING with its saga finished, as in the cancel test: the rule, not the race, is under test.
    await db.query(`UPDATE saga_instances SET status = 'COMPLETED', version = version + 1 WHERE data->>'orderId' = $1`, [order.id]);
    await db.query(`UPDATE orders SET status = 'PENDING', rejection_reason = NULL WHERE id = $1`, [order.id]);
    const transition = (...args: [Parameters<typeof transitionOrder>[2], string?]) => db.transaction((tx) => transitionOrder(tx, order.id, ...args));

    expect(await transition('CANCELLING')).toBe(false); // PENDING cannot be cancelled
    expect(await transition('REJECTED', 'card declined')).toBe(true);
    expect(await transition('CONFIRMED')).toBe(false);
    expect(await transition('REJECTED', 'another reason')).toBe(false);
    expect(await db.query('SELECT status, rejection_reason FROM orders WHERE id = $1', [order.id])).toEqual([{ status: 'REJECTED', rejection_reason: 'card declined' }]);
  });

  it('no token: 401 on every orders route; quotes stay public', async () => {
    const id = randomUUID();
    for (const request of [
      { method: 'POST' as const, url: '/v1/orders', headers: { 'idempotency-key': 'k' }, payload: basket() },
      { method: 'GET' as const, url: '/v1/orders' },
      { method: 'GET' as const, url: `/v1/orders/${id}` },
      { method: 'POST' as const, url: `/v1/orders/${id}/cancel` },
    ]) {
      const response = await app.inject(request);
      expect(response.statusCode).toBe(401);
      expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    }
    const quote = await app.inject({ method: 'POST', url: '/v1/quotes', payload: { items: basket().items } });
    expect(quote.statusCode).toBe(200);
    expect(quote.json()).toMatchObject({ totalCents: 3647, currency: 'EUR' });
  });

  it('an unknown product or a basket in two currencies is a 422 problem, and nothing is written', async () => {
    const alice = await customer();
    const dollars = await fixtures.product({ currency: 'USD', priceCents: 500 });
    for (const items of [[{ productId: randomUUID(), quantity: 1 }], [{ productId: brush, quantity: 1 }, { productId: dollars, quantity: 1 }]]) {
      const response = await place(alice, randomUUID(), { items, payment });
      expect(response.statusCode).toBe(422);
      expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    }
    expect(await rowsOf(db, alice.userId)).toEqual({ orders: 0, lines: 0, keys: 0 });
  });

  it('OpenAPI documents the orders routes, the Idempotency-Key header and bearer auth', async () => {
    const response = await app.inject({ method: 'GET', url: '/docs/openapi.json' });
    expect(response.statusCode).toBe(200);
    const doc = response.json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/orders', '/v1/orders/{id}', '/v1/orders/{id}/cancel', '/v1/quotes']));
    const create = doc.paths['/v1/orders'].post;
    expect(create.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: true })]));
    expect(create.responses['202'].headers).toHaveProperty('Location');
    expect(create.security).toEqual([{ bearer: [] }]);
  });

  describe('bad input: 400/413 problem+json, nothing written', () => {
    const raw = (client: Client, payload: string, headers: Record<string, string> = { 'idempotency-key': randomUUID() }) =>
      client.inject({ method: 'POST', url: '/v1/orders', headers: { 'content-type': 'application/json', ...headers }, payload });

    it.each([
      ['no Idempotency-Key', () => ({}), 'Idempotency-Key'],
      ['an empty Idempotency-Key', () => ({ 'idempotency-key': '' }), 'Idempotency-Key'],
      ['an Idempotency-Key over 128 characters', () => ({ 'idempotency-key': 'k'.repeat(129) }), 'Idempotency-Key'],
    ])('%s: 400 naming the header', async (_case, headers, field) => {
      const alice = await customer();
      const response = await raw(alice, JSON.stringify(basket()), headers());
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      expect(response.json()).toMatchObject({ type: 'urn:ecotrack:problem:validation-error', errors: [expect.objectContaining({ field })] });
      expect(await rowsOf(db, alice.userId)).toEqual({ orders: 0, lines: 0, keys: 0 });
    });

    it.each([
      ['missing items', () => ({ payment }), 'items'],
      ['an empty basket', () => ({ items: [], payment }), 'items'],
      ['a wrong type', () => ({ items: [{ productId: brush, quantity: '2' }], payment }), 'items.0.quantity'],
      ['a bad uuid', () => ({ items: [{ productId: 'abc', quantity: 1 }], payment }), 'items.0.productId'],
      ['an unknown field', () => ({ ...basket(), coupon: 'FREE' }), 'coupon'],
      ['an unknown nested field', () => ({ items: [{ productId: brush, quantity: 1, discount: 5 }], payment }), 'items.0.discount'],
      ['missing payment', () => ({ items: basket().items }), 'payment'],
      ['an unknown provider', () => ({ ...basket(), payment: { ...payment, provider: 'cash' } }), 'payment.provider'],
      ['a card number instead of a token', () => ({ ...basket(), payment: { ...payment, paymentMethodToken: '4242 4242 4242 4242' } }), 'payment.paymentMethodToken'],
      ['an unknown payment field', () => ({ ...basket(), payment: { ...payment, cvc: '123' } }), 'payment.cvc'],
    ])('%s: 400 naming the field', async (_case, body, field) => {
      const alice = await customer();
      const response = await raw(alice, JSON.stringify(body()));
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      expect(response.json().errors).toEqual([expect.objectContaining({ field })]);
      expect(await rowsOf(db, alice.userId)).toEqual({ orders: 0, lines: 0, keys: 0 });
    });

    it('malformed JSON: 400; oversized body: 413', async () => {
      const alice = await customer();
      const malformed = await raw(alice, '{"items": [');
      expect(malformed.statusCode).toBe(400);
      expect(malformed.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      const oversized = await raw(alice, JSON.stringify({ ...basket(), padding: 'x'.repeat(10_000) }));
      expect(oversized.statusCode).toBe(413);
      expect(oversized.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      expect(await rowsOf(db, alice.userId)).toEqual({ orders: 0, lines: 0, keys: 0 });
    });
  });
});
