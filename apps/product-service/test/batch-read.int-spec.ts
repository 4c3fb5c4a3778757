import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PROBLEM_CONTENT_TYPE } from '@ecotrack/platform';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { BATCH_READ_MAX_IDS } from '../src/catalog/dto/product.dto';
import { cacheRequests, closeTestIdentity, Fixtures, startProductService } from './support';

/** GET /v1/products/batch: a basket's products in one request, through the per-product cache. */
describe('product-service batch read (real PostgreSQL and Redis)', () => {
  let app: NestFastifyApplication;
  let fixtures: Fixtures;

  const batch = (query: string) => app.inject({ method: 'GET', url: `/v1/products/batch?${query}` });
  const idsQuery = (ids: string[]) => ids.map((id) => `ids=${id}`).join('&');
  const counts = async () => ({ hit: await cacheRequests(app, 'product', 'hit'), miss: await cacheRequests(app, 'product', 'miss') });

  beforeAll(async () => {
    app = await startProductService({ CACHE_WARM_TOP_N: '0' });
    fixtures = await new Fixtures(app.get(DataSource)).setUp();
  }, 60_000);
  afterAll(async () => {
    await fixtures?.tearDown();
    await app?.close();
    await closeTestIdentity();
  });

  it('answers each product once, in the order first asked for, and lists unknown ids', async () => {
    const [a, b] = [await fixtures.product({ priceCents: 111 }), await fixtures.product({ priceCents: 222 })];
    const unknown = randomUUID();
    const response = await batch(idsQuery([b, a, unknown, b, a.toUpperCase()]));
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.items.map((p: { id: string; priceCents: number }) => [p.id, p.priceCents])).toEqual([
      [b, 222],
      [a, 111],
    ]);
    expect(body.missing).toEqual([unknown]);
    // The same as the single read: priceCents, currency, carbonKgCo2e, stock...
    expect(body.items[1]).toEqual((await app.inject({ method: 'GET', url: `/v1/products/${a}` })).json());
  });

  it('takes comma-separated ids too', async () => {
    const [a, b] = [await fixtures.product(), await fixtures.product()];
    expect((await batch(`ids=${a},${b}`)).json().items.map((p: { id: string }) => p.id)).toEqual([a, b]);
  });

  it('goes through the cache per product: misses first, then hits, shared with the single read', async () => {
    const ids = [await fixtures.product(), await fixtures.product(), await fixtures.product()];
    await app.inject({ method: 'GET', url: `/v1/products/${ids[0]}` }); // cached by the single read
    const before = await counts();
    await batch(idsQuery(ids));
    const middle = await counts();
    expect({ hit: middle.hit - before.hit, miss: middle.miss - before.miss }).toEqual({ hit: 1, miss: 2 });
    await batch(idsQuery(ids));
    const after = await counts();
    expect({ hit: after.hit - middle.hit, miss: after.miss - middle.miss }).toEqual({ hit: 3, miss: 0 });
  });

  it.each([
    ['no ids', ''],
    ['an empty id list', 'ids='],
    ['an id that is not a UUID', `ids=${randomUUID()}&ids=bamboo`],
    [`more than ${BATCH_READ_MAX_IDS} ids`, Array.from({ length: BATCH_READ_MAX_IDS + 1 }, () => `ids=${randomUUID()}`).join('&')],
    ['an unknown parameter', `ids=${randomUUID()}&limit=5`],
  ])('%s: 400 problem', async (_case, query) => {
    const response = await batch(query);
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
  });

  it('is documented in OpenAPI, with its bound', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/docs/openapi.json' })).json();
    const operation = doc.paths['/v1/products/batch'].get;
    const ids = operation.parameters.find((p: { name: string }) => p.name === 'ids');
    expect(ids).toMatchObject({ in: 'query', required: true, schema: { type: 'array', maxItems: BATCH_READ_MAX_IDS } });
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', '400']));
  });
});
