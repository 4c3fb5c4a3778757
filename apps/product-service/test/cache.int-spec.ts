import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { REDIS } from '@ecotrack/platform';
import type Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { ProductCacheWarmer } from '../src/catalog/product-cache-warmer';
import { cacheRequests, Fixtures, adminClient, type Client, startProductService } from './support';

describe('Redis cache-aside for product detail and search (real Redis)', () => {
  let app: NestFastifyApplication;
  let admin: Client;
  let fixtures: Fixtures;

  const getProduct = (id: string) => app.inject({ method: 'GET', url: `/v1/products/${id}` });
  const searchIn = (category: string) => app.inject({ method: 'GET', url: `/v1/products/search?category=${category}&sort=price_asc` });
  /** How each counter moved while `work` ran. */
  const delta = async (cache: 'product' | 'search', work: () => Promise<unknown>) => {
    const before = { hit: await cacheRequests(app, cache, 'hit'), miss: await cacheRequests(app, cache, 'miss'), error: await cacheRequests(app, cache, 'error') };
    await work();
    return {
      hit: (await cacheRequests(app, cache, 'hit')) - before.hit,
      miss: (await cacheRequests(app, cache, 'miss')) - before.miss,
      error: (await cacheRequests(app, cache, 'error')) - before.error,
    };
  };

  beforeAll(async () => {
    // No warming here: these tests count every hit and miss themselves (warming has its own test).
    app = await startProductService({ CACHE_WARM_TOP_N: '0' });
    admin = await adminClient(app);
    fixtures = await new Fixtures(app.get(DataSource)).setUp();
  }, 60_000);
  afterAll(async () => {
    await fixtures?.tearDown();
    await app?.close();
  });

  it('product detail read twice: a miss, then a hit', async () => {
    const id = await fixtures.product({ priceCents: 1200 });
    expect(await delta('product', () => getProduct(id))).toEqual({ hit: 0, miss: 1, error: 0 });
    const second = await delta('product', async () => expect((await getProduct(id)).json()).toMatchObject({ id, priceCents: 1200 }));
    expect(second).toEqual({ hit: 1, miss: 0, error: 0 });
  });

  it('a price update invalidates: the next read is a miss and shows the new price', async () => {
    const id = await fixtures.product({ priceCents: 1200 });
    await getProduct(id);
    await getProduct(id);
    const patch = await admin.inject({ method: 'PATCH', url: `/v1/products/${id}`, payload: { priceCents: 1450 } });
    expect(patch.statusCode).toBe(200);
    expect(patch.json()).toMatchObject({ id, priceCents: 1450 });
    const read = await delta('product', async () => expect((await getProduct(id)).json()).toMatchObject({ priceCents: 1450 }));
    expect(read).toEqual({ hit: 0, miss: 1, error: 0 });
  });

  it('a delete invalidates: the next read is a 404, not the cached product', async () => {
    const id = await fixtures.product();
    await getProduct(id);
    expect((await admin.inject({ method: 'DELETE', url: `/v1/products/${id}` })).statusCode).toBe(204);
    expect((await getProduct(id)).statusCode).toBe(404);
  });

  it('search results are cached, and any product write invalidates them', async () => {
    const category = await fixtures.otherCategory();
    const searchOwn = () => searchIn(category);
    const id = await fixtures.product({ name: 'Cached search item', priceCents: 800, category });
    expect(await delta('search', () => searchOwn())).toEqual({ hit: 0, miss: 1, error: 0 });
    expect(await delta('search', () => searchOwn())).toEqual({ hit: 1, miss: 0, error: 0 });

    await admin.inject({ method: 'PATCH', url: `/v1/products/${id}`, payload: { priceCents: 850 } });
    let page: { items: { priceCents: number }[] } | undefined;
    expect(await delta('search', async () => (page = (await searchOwn()).json()))).toEqual({ hit: 0, miss: 1, error: 0 });
    expect(page!.items.map((item) => item.priceCents)).toEqual([850]);

    // Creating a product must show up in searches at once, too.
    const created = await admin.inject({
      method: 'POST',
      url: '/v1/products',
      payload: { sku: `IT-NEW-${Date.now()}`, name: 'Fresh item', category, priceCents: 100, currency: 'EUR', carbonKgCo2e: 0.5, stock: 3 },
    });
    expect(created.statusCode).toBe(201);
    fixtures.own(created.json().id);
    expect((await searchOwn()).json().total).toBe(2);
  });

  it('warming loads the most bought products after start-up, so their first read is a hit', async () => {
    const [popular, partner] = [await fixtures.product({ name: 'Popular' }), await fixtures.product({ name: 'Partner' })];
    const [a, b] = [popular, partner].sort();
    // Far more purchases than anything else in the shared database: these two are the top 2.
    await app.get(DataSource).query(`INSERT INTO product_co_purchases (product_a, product_b, purchase_count) VALUES ($1, $2, 2000000000)`, [a, b]);

    const warmed = await startProductService({ CACHE_WARM_TOP_N: '2' });
    try {
      expect(await warmed.get(ProductCacheWarmer).done).toBe(2);
      const first = await warmed.inject({ method: 'GET', url: `/v1/products/${popular}` });
      expect(first.json()).toMatchObject({ id: popular, name: 'Popular' });
      expect([await cacheRequests(warmed, 'product', 'hit'), await cacheRequests(warmed, 'product', 'miss')]).toEqual([1, 0]);
    } finally {
      await warmed.close();
    }
  }, 60_000);

  describe('with Redis unavailable', () => {
    let redis: Redis;
    beforeAll(() => {
      // The app's own client, closed: every cache command now fails as it would with Redis down.
      redis = app.get<Redis>(REDIS);
      redis.disconnect();
    });
    afterAll(() => redis.connect());

    it('product and search reads still succeed from PostgreSQL, counted as result="error"', async () => {
      const id = await fixtures.product({ priceCents: 4200 });
      const product = await delta('product', async () => {
        const response = await getProduct(id);
        expect(response.statusCode).toBe(200);
        expect(response.json()).toMatchObject({ id, priceCents: 4200 });
      });
      expect(product).toEqual({ hit: 0, miss: 0, error: 1 });
      const search = await delta('search', async () => expect((await searchIn(fixtures.category)).statusCode).toBe(200));
      expect(search).toEqual({ hit: 0, miss: 0, error: 1 });
    });

    it('authenticated writes fail closed (503: sessions cannot be checked), and readiness says Redis is down', async () => {
      const id = await fixtures.product({ stock: 10 });
      const write = await admin.inject({ method: 'PATCH', url: `/v1/products/${id}`, payload: { stock: 9 } });
      expect(write.statusCode).toBe(503);
      expect(write.headers['content-type']).toContain('application/problem+json');
      expect(await fixtures.stockOf(id)).toBe(10);
      const ready = await app.inject({ method: 'GET', url: '/health/ready' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json().checks.redis).toMatch(/^down/);
    });
  });
});
