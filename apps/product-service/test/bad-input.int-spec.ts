import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PROBLEM_CONTENT_TYPE } from '@ecotrack/platform';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Fixtures, adminClient, type Client, startProductService } from './support';

type Json = Record<string, unknown>;

/**
 * Every write route, fed bad input: a 4xx problem+json, and the database exactly
 * as before (row counts and the product's own values).
 */
describe('product-service: bad input to every write route is a 4xx problem and writes nothing', () => {
  let app: NestFastifyApplication;
  let admin: Client;
  let db: DataSource;
  let fixtures: Fixtures;
  let productId: string;
  let reservationId: string;

  const send = (method: 'POST' | 'PATCH', url: string, payload: string, contentType = 'application/json') =>
    admin.inject({ method, url, headers: { 'content-type': contentType }, payload });

  const snapshot = async () => {
    const [counts] = await db.query(
      `SELECT (SELECT count(*) FROM products)::int AS products,
              (SELECT count(*) FROM categories)::int AS categories,
              (SELECT count(*) FROM stock_reservations)::int AS reservations`,
    );
    const [product] = await db.query(`SELECT name, price_cents, carbon_kg_co2e, stock, updated_at FROM products WHERE id = $1`, [productId]);
    const reservation = await db.query(`SELECT status, quantity, updated_at FROM stock_reservations WHERE reservation_id = $1`, [reservationId]);
    return { counts, product, reservation };
  };

  /** Sends the request and checks status, problem body and that nothing changed. */
  const expectRefused = async (request: () => Promise<{ statusCode: number; headers: Json; json: () => Json }>, status: number, field?: string) => {
    const before = await snapshot();
    const response = await request();
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.json()).toMatchObject({ status });
    if (field) expect(response.json().errors).toEqual([expect.objectContaining({ field })]);
    expect(await snapshot()).toEqual(before);
  };

  const validProduct = () => ({ sku: `IT-BAD-${randomUUID().slice(0, 8).toUpperCase()}`, name: 'Valid', category: fixtures.category, priceCents: 100, currency: 'EUR', carbonKgCo2e: 0.5, stock: 1 });

  beforeAll(async () => {
    app = await startProductService({ CACHE_WARM_TOP_N: '0', HTTP_BODY_LIMIT_BYTES: '4096' });
    admin = await adminClient(app);
    db = app.get(DataSource);
    fixtures = await new Fixtures(db).setUp();
    productId = await fixtures.product({ stock: 5 });
    reservationId = randomUUID();
    await admin.inject({ method: 'POST', url: '/v1/reservations', payload: { reservationId, items: [{ productId, quantity: 1 }] } });
  }, 60_000);
  afterAll(async () => {
    await fixtures?.tearDown();
    await app?.close();
  });

  describe('POST /v1/products', () => {
    const without = (field: string) => () => {
      const body: Json = validProduct();
      delete body[field];
      return body;
    };
    it.each([
      ['missing sku', without('sku'), 'sku'],
      ['missing priceCents', without('priceCents'), 'priceCents'],
      ['price as a string', () => ({ ...validProduct(), priceCents: '100' }), 'priceCents'],
      ['price with a fraction of a cent', () => ({ ...validProduct(), priceCents: 3.99 }), 'priceCents'],
      ['negative stock', () => ({ ...validProduct(), stock: -1 }), 'stock'],
      ['footprint with 4 decimals', () => ({ ...validProduct(), carbonKgCo2e: 0.1234 }), 'carbonKgCo2e'],
      ['footprint beyond numeric(10,3)', () => ({ ...validProduct(), carbonKgCo2e: 10_000_000 }), 'carbonKgCo2e'],
      ['lower-case currency', () => ({ ...validProduct(), currency: 'eur' }), 'currency'],
      ['an unknown field', () => ({ ...validProduct(), color: 'green' }), 'color'],
      ['null description', () => ({ ...validProduct(), description: null }), 'description'],
    ])('%s: 400 naming the field', async (_case, body, field) => {
      await expectRefused(() => send('POST', '/v1/products', JSON.stringify(body())), 400, field);
    });

    it('an unknown category: 422', async () => {
      await expectRefused(() => send('POST', '/v1/products', JSON.stringify({ ...validProduct(), category: 'no-such-category' })), 422);
    });

    it('a duplicate SKU: 409', async () => {
      const [{ sku }] = await db.query(`SELECT sku FROM products WHERE id = $1`, [productId]);
      await expectRefused(() => send('POST', '/v1/products', JSON.stringify({ ...validProduct(), sku })), 409);
    });
  });

  describe('PATCH /v1/products/:id', () => {
    it.each([
      ['an empty change', {}, '(body)'],
      ['price as a string', { priceCents: 'ten' }, 'priceCents'],
      ['price with a fraction of a cent', { priceCents: 10.5 }, 'priceCents'],
      ['an unknown field', { discount: 10 }, 'discount'],
      ['null name', { name: null }, 'name'],
    ])('%s: 400 naming the field', async (_case, body, field) => {
      await expectRefused(() => send('PATCH', `/v1/products/${productId}`, JSON.stringify(body)), 400, field);
    });

    it('an id that is not a UUID: 400', async () => {
      await expectRefused(() => send('PATCH', '/v1/products/42', JSON.stringify({ stock: 1 })), 400, 'id');
    });

    it('an unknown category: 422', async () => {
      await expectRefused(() => send('PATCH', `/v1/products/${productId}`, JSON.stringify({ category: 'no-such-category' })), 422);
    });
  });

  describe('POST /v1/reservations', () => {
    const item = () => ({ productId, quantity: 1 });
    it.each([
      ['missing reservationId', () => ({ items: [item()] }), 'reservationId'],
      ['reservationId not a UUID', () => ({ reservationId: 'order-1', items: [item()] }), 'reservationId'],
      ['missing items', () => ({ reservationId: randomUUID() }), 'items'],
      ['no items', () => ({ reservationId: randomUUID(), items: [] }), 'items'],
      ['quantity 0', () => ({ reservationId: randomUUID(), items: [{ ...item(), quantity: 0 }] }), 'items.0.quantity'],
      ['quantity as a string', () => ({ reservationId: randomUUID(), items: [{ ...item(), quantity: '1' }] }), 'items.0.quantity'],
      ['productId not a UUID', () => ({ reservationId: randomUUID(), items: [{ ...item(), productId: 'abc' }] }), 'items.0.productId'],
      ['an unknown field', () => ({ reservationId: randomUUID(), items: [item()], priority: 'high' }), 'priority'],
      ['an unknown nested field', () => ({ reservationId: randomUUID(), items: [{ ...item(), priceCents: 1 }] }), 'items.0.priceCents'],
    ])('%s: 400 naming the field', async (_case, body, field) => {
      await expectRefused(() => send('POST', '/v1/reservations', JSON.stringify(body())), 400, field);
    });

    it('an unknown product: 422', async () => {
      await expectRefused(
        () => send('POST', '/v1/reservations', JSON.stringify({ reservationId: randomUUID(), items: [{ productId: randomUUID(), quantity: 1 }] })),
        422,
      );
    });
  });

  describe('POST /v1/reservations/:id/confirm and /release', () => {
    it.each(['confirm', 'release'])('%s with an id that is not a UUID: 400', async (action) => {
      await expectRefused(() => send('POST', `/v1/reservations/not-a-uuid/${action}`, '{}'), 400, 'id');
    });
  });

  describe.each([
    ['POST', '/v1/products'],
    ['PATCH', '/v1/products/:product'],
    ['POST', '/v1/reservations'],
    ['POST', '/v1/reservations/:reservation/confirm'],
    ['POST', '/v1/reservations/:reservation/release'],
  ] as const)('%s %s: the body itself', (method, template) => {
    const url = () => template.replace(':product', productId).replace(':reservation', reservationId);

    it('malformed JSON: 400 problem', async () => {
      await expectRefused(() => send(method, url(), '{"priceCents": '), 400);
    });

    it('oversized body: 413 problem', async () => {
      await expectRefused(() => send(method, url(), JSON.stringify({ name: 'x'.repeat(10_000) })), 413);
    });

    it('not JSON: 415 problem', async () => {
      await expectRefused(() => send(method, url(), 'priceCents=1', 'text/plain'), 415);
    });
  });
});
