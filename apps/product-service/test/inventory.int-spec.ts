import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PROBLEM_CONTENT_TYPE } from '@ecotrack/platform';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Fixtures, adminClient, type Client, startProductService } from './support';

describe('inventory reservations (real PostgreSQL)', () => {
  let app: NestFastifyApplication;
  let admin: Client;
  let db: DataSource;
  let fixtures: Fixtures;

  const reserve = (reservationId: string, items: { productId: string; quantity: number }[]) =>
    admin.inject({ method: 'POST', url: '/v1/reservations', payload: { reservationId, items } });
  const transition = (reservationId: string, action: 'confirm' | 'release' | 'restock') =>
    admin.inject({ method: 'POST', url: `/v1/reservations/${reservationId}/${action}` });

  beforeAll(async () => {
    app = await startProductService({ CACHE_WARM_TOP_N: '0' });
    admin = await adminClient(app);
    db = app.get(DataSource);
    fixtures = await new Fixtures(db).setUp();
  }, 60_000);
  afterAll(async () => {
    await fixtures?.tearDown();
    await app?.close();
  });

  it('50 concurrent reservations of 1 against stock 10: exactly 10 succeed, 40 get 409, stock ends at 0', async () => {
    const productId = await fixtures.product({ stock: 10 });
    const responses = await Promise.all(Array.from({ length: 50 }, () => reserve(randomUUID(), [{ productId, quantity: 1 }])));

    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 409)).toHaveLength(40);
    for (const refused of responses.filter((r) => r.statusCode === 409)) {
      expect(refused.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      expect(refused.json()).toMatchObject({ type: 'urn:ecotrack:problem:out-of-stock', productId });
    }
    expect(await fixtures.stockOf(productId)).toBe(0);
    const [{ reserved }] = await db.query(
      `SELECT coalesce(sum(quantity), 0)::int AS reserved FROM stock_reservations WHERE product_id = $1 AND status = 'RESERVED'`,
      [productId],
    );
    expect(reserved).toBe(10);
  }, 30_000);

  it('the database itself refuses negative stock (CHECK stock >= 0)', async () => {
    const checks: { def: string }[] = await db.query(
      `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'products'::regclass AND contype = 'c'`,
    );
    expect(checks.map((c) => c.def)).toContain('CHECK ((stock >= 0))');
    const productId = await fixtures.product({ stock: 1 });
    await expect(db.query(`UPDATE products SET stock = stock - 2 WHERE id = $1`, [productId])).rejects.toThrow(/products_stock_check/);
  });

  it('repeating a reservation id returns the same reservation and decrements once (also when repeated concurrently)', async () => {
    const productId = await fixtures.product({ stock: 5 });
    const reservationId = randomUUID();
    const first = await reserve(reservationId, [{ productId, quantity: 2 }]);
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ reservationId, status: 'RESERVED', items: [{ productId, quantity: 2 }] });

    const repeats = await Promise.all(Array.from({ length: 10 }, () => reserve(reservationId, [{ productId, quantity: 2 }])));
    for (const repeat of repeats) {
      expect(repeat.statusCode).toBe(201);
      expect(repeat.json()).toEqual(first.json());
    }
    expect(await fixtures.stockOf(productId)).toBe(3);

    const concurrentId = randomUUID();
    const together = await Promise.all(Array.from({ length: 10 }, () => reserve(concurrentId, [{ productId, quantity: 1 }])));
    expect(new Set(together.map((r) => r.statusCode))).toEqual(new Set([201]));
    expect(new Set(together.map((r) => r.body)).size).toBe(1);
    expect(await fixtures.stockOf(productId)).toBe(2);
  });

  it('the same reservation id with other items is a 409 conflict, with no effect', async () => {
    const productId = await fixtures.product({ stock: 5 });
    const reservationId = randomUUID();
    await reserve(reservationId, [{ productId, quantity: 1 }]);
    const other = await reserve(reservationId, [{ productId, quantity: 3 }]);
    expect(other.statusCode).toBe(409);
    expect(other.json()).toMatchObject({ type: 'urn:ecotrack:problem:reservation-conflict', reservationId });
    expect(await fixtures.stockOf(productId)).toBe(4);
  });

  it('release restores stock; repeating it is a no-op; a released reservation cannot be confirmed', async () => {
    const productId = await fixtures.product({ stock: 5 });
    const reservationId = randomUUID();
    await reserve(reservationId, [{ productId, quantity: 3 }]);
    expect(await fixtures.stockOf(productId)).toBe(2);

    const released = await transition(reservationId, 'release');
    expect(released.statusCode).toBe(200);
    expect(released.json()).toMatchObject({ reservationId, status: 'RELEASED' });
    expect(await fixtures.stockOf(productId)).toBe(5);

    expect((await transition(reservationId, 'release')).json()).toMatchObject({ status: 'RELEASED' });
    expect(await fixtures.stockOf(productId)).toBe(5);

    const confirm = await transition(reservationId, 'confirm');
    expect(confirm.statusCode).toBe(409);
    expect(await fixtures.stockOf(productId)).toBe(5);
    // A released id stays used: reserving with it again does not take stock a second time.
    expect((await reserve(reservationId, [{ productId, quantity: 3 }])).json()).toMatchObject({ status: 'RELEASED' });
    expect(await fixtures.stockOf(productId)).toBe(5);
  });

  it('confirm keeps stock decremented (sold); repeating it is a no-op; release after confirm is refused with 409', async () => {
    const productId = await fixtures.product({ stock: 5 });
    const reservationId = randomUUID();
    await reserve(reservationId, [{ productId, quantity: 2 }]);

    const confirmed = await transition(reservationId, 'confirm');
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.json()).toMatchObject({ status: 'CONFIRMED' });
    expect((await transition(reservationId, 'confirm')).json()).toEqual(confirmed.json());

    const release = await transition(reservationId, 'release');
    expect(release.statusCode).toBe(409);
    expect(release.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(release.json()).toMatchObject({ type: 'urn:ecotrack:problem:reservation-conflict', reservationId });
    expect(await fixtures.stockOf(productId)).toBe(3);
    expect((await admin.inject({ method: 'GET', url: `/v1/reservations/${reservationId}` })).json()).toMatchObject({ status: 'CONFIRMED' });
  });

  it('restock returns a confirmed reservation\'s units to stock (RETURNED), once; only a confirmed reservation can be restocked', async () => {
    const productId = await fixtures.product({ stock: 5 });
    const reservationId = randomUUID();
    await reserve(reservationId, [{ productId, quantity: 2 }]);
    const early = await transition(reservationId, 'restock');
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ type: 'urn:ecotrack:problem:reservation-conflict', reservationId });
    expect(await fixtures.stockOf(productId)).toBe(3);

    await transition(reservationId, 'confirm');
    const restocked = await transition(reservationId, 'restock');
    expect(restocked.statusCode).toBe(200);
    expect(restocked.json()).toMatchObject({ reservationId, status: 'RETURNED', items: [{ productId, quantity: 2 }] });
    expect(await fixtures.stockOf(productId)).toBe(5);
    expect((await transition(reservationId, 'restock')).json()).toMatchObject({ status: 'RETURNED' });
    expect(await fixtures.stockOf(productId)).toBe(5);
    for (const action of ['confirm', 'release'] as const) expect((await transition(reservationId, action)).statusCode).toBe(409);
    expect(await fixtures.stockOf(productId)).toBe(5);
    expect((await transition(randomUUID(), 'restock')).statusCode).toBe(404);
  });

  it('all or nothing: when the second item lacks stock, the first is not decremented either', async () => {
    const ids = [await fixtures.product({ stock: 5 }), await fixtures.product({ stock: 5 })].sort();
    const [first, second] = ids; // rows are locked and decremented in id order: `first` is taken before `second` fails
    await db.query(`UPDATE products SET stock = 1 WHERE id = $1`, [second]);
    const reservationId = randomUUID();

    const response = await reserve(reservationId, [
      { productId: first, quantity: 2 },
      { productId: second, quantity: 2 },
    ]);
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({ type: 'urn:ecotrack:problem:out-of-stock', productId: second });
    expect([await fixtures.stockOf(first), await fixtures.stockOf(second)]).toEqual([5, 1]);
    expect((await admin.inject({ method: 'GET', url: `/v1/reservations/${reservationId}` })).statusCode).toBe(404);
  });

  it('an unknown product is a 422 problem naming it, with no effect', async () => {
    const productId = await fixtures.product({ stock: 5 });
    const unknown = randomUUID();
    const response = await reserve(randomUUID(), [
      { productId, quantity: 1 },
      { productId: unknown, quantity: 1 },
    ]);
    expect(response.statusCode).toBe(422);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.json()).toMatchObject({ type: 'urn:ecotrack:problem:unknown-product', productIds: [unknown] });
    expect(await fixtures.stockOf(productId)).toBe(5);
  });

  it('product detail shows the reserved stock at once (the cached detail is invalidated)', async () => {
    const productId = await fixtures.product({ stock: 7 });
    expect((await app.inject({ method: 'GET', url: `/v1/products/${productId}` })).json().stock).toBe(7);
    await reserve(randomUUID(), [{ productId, quantity: 3 }]);
    expect((await app.inject({ method: 'GET', url: `/v1/products/${productId}` })).json().stock).toBe(4);
  });

  it('an unknown reservation is a 404 problem for GET, confirm and release', async () => {
    const missing = randomUUID();
    for (const response of [
      await admin.inject({ method: 'GET', url: `/v1/reservations/${missing}` }),
      await transition(missing, 'confirm'),
      await transition(missing, 'release'),
    ]) {
      expect(response.statusCode).toBe(404);
      expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    }
  });

  it('a product with reservations cannot be deleted (409), so reservation history stays whole', async () => {
    const productId = await fixtures.product({ stock: 5 });
    await reserve(randomUUID(), [{ productId, quantity: 1 }]);
    const response = await admin.inject({ method: 'DELETE', url: `/v1/products/${productId}` });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({ type: 'urn:ecotrack:problem:product-in-use', productId });
  });
});
