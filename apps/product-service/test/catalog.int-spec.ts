import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PROBLEM_CONTENT_TYPE } from '@ecotrack/platform';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { clientWithRoles, startProductService } from './support';

describe('product-service catalog (real PostgreSQL, Redis, Kafka)', () => {
  let app: NestFastifyApplication;
  let db: DataSource;
  const sku = `TEST-${randomUUID().slice(0, 8)}`;
  let id: string;

  beforeAll(async () => {
    app = await startProductService();
    db = app.get(DataSource);
    [{ id }] = await db.query(
      `INSERT INTO products (sku, name, category, price_cents, currency, carbon_kg_co2e, stock)
       VALUES ($1, 'Bamboo toothbrush', 'personal-care', 399, 'EUR', 0.125, 250) RETURNING id`,
      [sku],
    );
  }, 60_000);

  afterAll(async () => {
    await db?.query('DELETE FROM products WHERE sku = $1', [sku]);
    await app?.close();
  });

  it('returns a product with its price in cents and its carbon footprint', async () => {
    const response = await app.inject({ method: 'GET', url: `/v1/products/${id}` });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id, sku, priceCents: 399, currency: 'EUR', carbonKgCo2e: 0.125, stock: 250 });
  });

  it('keeps the contract order-service reads (also when the answer comes from the cache)', async () => {
    for (let read = 0; read < 2; read++) {
      const product = (await app.inject({ method: 'GET', url: `/v1/products/${id}` })).json();
      expect(product).toMatchObject({ id, name: 'Bamboo toothbrush', priceCents: 399, currency: 'EUR', carbonKgCo2e: 0.125 });
      expect(typeof product.carbonKgCo2e).toBe('number');
      expect(Number.isInteger(product.priceCents)).toBe(true);
    }
  });

  it('pages the catalog', async () => {
    const response = await app.inject({ method: 'GET', url: '/v1/products?limit=100&offset=0' });
    expect(response.statusCode).toBe(200);
    const page = response.json();
    expect(page.items.map((p: { sku: string }) => p.sku)).toContain(sku);
    expect(page.total).toBeGreaterThanOrEqual(1);
  });

  it('answers an unknown product with a 404 problem', async () => {
    const missing = randomUUID();
    const response = await app.inject({ method: 'GET', url: `/v1/products/${missing}` });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.json()).toMatchObject({ status: 404, title: 'Not Found', instance: `/v1/products/${missing}` });
  });

  it.each([
    ['/v1/products/not-a-uuid', 'id'],
    ['/v1/products?limit=0', 'limit'],
    ['/v1/products?limit=abc', 'limit'],
    ['/v1/products?offset=-1', 'offset'],
    ['/v1/products?color=green', 'color'],
  ])('answers %s with a 400 problem naming %s', async (url, field) => {
    const response = await app.inject({ method: 'GET', url });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.json().errors).toEqual([expect.objectContaining({ field })]);
  });

  it('reports every dependency in readiness', async () => {
    const response = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      status: 'ok',
      checks: { postgres: 'up', redis: 'up', kafka: 'up', 'consumer:product-service': 'up', 'consumer:product-service-cache': 'up' },
    });
  });

  it('documents every route in OpenAPI', async () => {
    const paths = Object.keys((await app.inject({ method: 'GET', url: '/docs/openapi.json' })).json().paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/v1/products',
        '/v1/products/{id}',
        '/v1/products/search',
        '/v1/products/{id}/recommendations',
        '/v1/reservations',
        '/v1/reservations/{id}',
        '/v1/reservations/{id}/confirm',
        '/v1/reservations/{id}/release',
      ]),
    );
  });

  describe('access', () => {
    const newProduct = () => ({ sku: `AUTH-${randomUUID().slice(0, 8)}`, name: 'Jute bag', category: 'bags', priceCents: 900, currency: 'EUR', carbonKgCo2e: 0.4, stock: 3 });

    it('catalog reads need no token', async () => {
      expect((await app.inject({ method: 'GET', url: `/v1/products/${id}` })).statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', url: '/v1/products/search?q=toothbrush' })).statusCode).toBe(200);
    });

    it('admin routes without a token: 401 problem with a Bearer challenge, nothing written', async () => {
      const before = await db.query('SELECT count(*)::int AS n FROM products');
      const response = await app.inject({ method: 'POST', url: '/v1/products', payload: newProduct() });
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer /);
      expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      expect(await db.query('SELECT count(*)::int AS n FROM products')).toEqual(before);
    });

    it('a customer on an admin route or on reservations: 403 problem', async () => {
      const customer = await clientWithRoles(app, ['customer']);
      expect((await customer.inject({ method: 'POST', url: '/v1/products', payload: newProduct() })).statusCode).toBe(403);
      expect((await customer.inject({ method: 'DELETE', url: `/v1/products/${id}` })).statusCode).toBe(403);
      expect((await customer.inject({ method: 'GET', url: `/v1/reservations/${randomUUID()}` })).statusCode).toBe(403);
    });
  });
});
