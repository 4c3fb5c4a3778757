import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { RecommendationsService } from '../src/recommendations/recommendations.service';
import { Fixtures, startProductService } from './support';

describe('recommendations', () => {
  let app: NestFastifyApplication;
  let db: DataSource;
  let fixtures: Fixtures;
  let recommendations: RecommendationsService;

  const recommend = async (id: string) => {
    const response = await app.inject({ method: 'GET', url: `/v1/products/${id}/recommendations` });
    expect(response.statusCode).toBe(200);
    return response.json();
  };
  const pairCount = async (x: string, y: string) => {
    const [a, b] = [x, y].sort();
    const rows = await db.query(`SELECT purchase_count FROM product_co_purchases WHERE product_a = $1 AND product_b = $2`, [a, b]);
    return rows[0]?.purchase_count ?? 0;
  };

  beforeAll(async () => {
    app = await startProductService({ CACHE_WARM_TOP_N: '0' });
    db = app.get(DataSource);
    fixtures = await new Fixtures(db).setUp();
    recommendations = app.get(RecommendationsService);
  }, 60_000);
  afterAll(async () => {
    await fixtures?.tearDown();
    await app?.close();
  });

  it('same category: closest price first, the lower footprint first among equally close, never the product itself', async () => {
    const target = await fixtures.product({ name: 'target', priceCents: 1000 });
    await fixtures.product({ name: 'cheaper, dirtier', priceCents: 900, carbonKgCo2e: 0.5 });
    await fixtures.product({ name: 'dearer, cleaner', priceCents: 1100, carbonKgCo2e: 0.2 });
    await fixtures.product({ name: 'far', priceCents: 2000 });
    await fixtures.product({ name: 'farthest', priceCents: 5000 });
    await fixtures.product({ name: 'other category', priceCents: 1000, category: await fixtures.otherCategory() });

    const result = await recommend(target);
    expect(result.productId).toBe(target);
    expect(result.sameCategory.map((p: { name: string }) => p.name)).toEqual(['dearer, cleaner', 'cheaper, dirtier', 'far', 'farthest']);
    expect(result.boughtTogether).toEqual([]);
  });

  it('bought together: pairs counted by recordPurchase, most frequent first', async () => {
    const category = await fixtures.otherCategory(); // apart from the same-category test's products
    const [t, a, b, c] = await Promise.all(['t', 'a', 'b', 'c'].map((name) => fixtures.product({ name, category })));
    await recommendations.recordPurchase([t, a, b]);
    await recommendations.recordPurchase([t, a]);
    // duplicates and unknown ids are ignored
    await recommendations.recordPurchase([t, c, c, randomUUID()]);
    await recommendations.recordPurchase([t]);

    expect([await pairCount(t, a), await pairCount(t, b), await pairCount(a, b), await pairCount(t, c)]).toEqual([2, 1, 1, 1]);
    const together = (await recommend(t)).boughtTogether;
    expect(together[0]).toMatchObject({ id: a, timesBoughtTogether: 2 });
    expect(together.slice(1).map((p: { id: string }) => p.id).sort()).toEqual([b, c].sort());
    expect((await recommend(c)).boughtTogether).toEqual([expect.objectContaining({ id: t, timesBoughtTogether: 1 })]);
  });

  it('recordPurchase increments in one statement: 20 concurrent orders, 20 counted', async () => {
    const [x, y] = await Promise.all([fixtures.product(), fixtures.product()]);
    await Promise.all(Array.from({ length: 20 }, () => recommendations.recordPurchase([x, y])));
    expect(await pairCount(x, y)).toBe(20);
  });

  it('an unknown product is a 404 problem; a bad limit a 400', async () => {
    expect((await app.inject({ method: 'GET', url: `/v1/products/${randomUUID()}/recommendations` })).statusCode).toBe(404);
    const product = await fixtures.product();
    const bad = await app.inject({ method: 'GET', url: `/v1/products/${product}/recommendations?limit=50` });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors).toEqual([expect.objectContaining({ field: 'limit' })]);
  });
});
