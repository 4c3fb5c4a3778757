import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PROBLEM_CONTENT_TYPE } from '@ecotrack/platform';
import { DataSource } from 'typeorm';
import { Fixtures, startProductService } from './support';

interface Hit {
  id: string;
  name: string;
  priceCents: number;
  carbonKgCo2e: number;
  rank: number;
}

describe('product search (PostgreSQL full-text search)', () => {
  let app: NestFastifyApplication;
  let fixtures: Fixtures;
  const ids: Record<string, string> = {};

  const search = async (params: Record<string, string | number>) => {
    const query = new URLSearchParams(Object.entries({ category: fixtures.category, ...params }).map(([k, v]): [string, string] => [k, String(v)]));
    const response = await app.inject({ method: 'GET', url: `/v1/products/search?${query}` });
    expect(response.statusCode).toBe(200);
    return response.json() as { items: Hit[]; total: number; limit: number; offset: number };
  };
  const names = (page: { items: Hit[] }) => page.items.map((hit) => hit.name);

  beforeAll(async () => {
    app = await startProductService({ CACHE_WARM_TOP_N: '0' });
    fixtures = await new Fixtures(app.get(DataSource)).setUp();
    // Ages make "newest" deterministic: straws is the newest, pouch the oldest.
    ids.straws = await fixtures.product({ name: 'Reusable bamboo straws', priceCents: 500, carbonKgCo2e: 0.05, ageSeconds: 10 });
    ids.steel = await fixtures.product({ name: 'Steel drinking straw set', priceCents: 1500, carbonKgCo2e: 0.8, ageSeconds: 20 });
    ids.brush = await fixtures.product({ name: 'Glass straw cleaning brush', priceCents: 900, carbonKgCo2e: 0.3, ageSeconds: 30 });
    ids.pouch = await fixtures.product({ name: 'Cotton pouch', description: 'Fits a straw and a spoon', priceCents: 700, carbonKgCo2e: 0.2, ageSeconds: 40 });
    ids.toothbrush = await fixtures.product({ name: 'Bamboo toothbrush', priceCents: 300, carbonKgCo2e: 0.1, ageSeconds: 50 });
  }, 60_000);
  afterAll(async () => {
    await fixtures?.tearDown();
    await app?.close();
  });

  it('finds by word stem: "straw" matches "straws", and "straws" matches "straw"', async () => {
    expect(names(await search({ q: 'straw' }))).toEqual(expect.arrayContaining(['Reusable bamboo straws', 'Steel drinking straw set']));
    expect(names(await search({ q: 'straws' }))).toContain('Steel drinking straw set');
    expect((await search({ q: 'straw' })).total).toBe(4);
  });

  it('relevance: a match in the name ranks above a match only in the description', async () => {
    const page = await search({ q: 'straw', sort: 'relevance' });
    expect(page.items.at(-1)!.name).toBe('Cotton pouch');
    expect(page.items[0].rank).toBeGreaterThan(page.items.at(-1)!.rank);
  });

  it('accepts web search syntax: a phrase and an exclusion', async () => {
    expect(names(await search({ q: '"cleaning brush"' }))).toEqual(['Glass straw cleaning brush']);
    expect(names(await search({ q: 'bamboo -toothbrush' }))).toEqual(['Reusable bamboo straws']);
  });

  it('filters by price range and footprint', async () => {
    expect(names(await search({ q: 'straw', minPrice: 600, maxPrice: 1000, sort: 'price_asc' }))).toEqual(['Cotton pouch', 'Glass straw cleaning brush']);
    expect(names(await search({ maxCarbon: 0.1, sort: 'carbon_asc' }))).toEqual(['Reusable bamboo straws', 'Bamboo toothbrush']);
  });

  it.each([
    ['price_asc', ['Reusable bamboo straws', 'Cotton pouch', 'Glass straw cleaning brush', 'Steel drinking straw set']],
    ['price_desc', ['Steel drinking straw set', 'Glass straw cleaning brush', 'Cotton pouch', 'Reusable bamboo straws']],
    ['carbon_asc', ['Reusable bamboo straws', 'Cotton pouch', 'Glass straw cleaning brush', 'Steel drinking straw set']],
    ['newest', ['Reusable bamboo straws', 'Steel drinking straw set', 'Glass straw cleaning brush', 'Cotton pouch']],
  ])('sort=%s', async (sort, expected) => {
    expect(names(await search({ q: 'straw', sort }))).toEqual(expected);
  });

  it('pages: the total counts every match, pages do not overlap and together hold them all', async () => {
    const first = await search({ sort: 'price_asc', limit: 2, offset: 0 });
    const second = await search({ sort: 'price_asc', limit: 2, offset: 2 });
    const third = await search({ sort: 'price_asc', limit: 2, offset: 4 });
    expect([first.total, second.total, third.total]).toEqual([5, 5, 5]);
    expect([first.items.length, second.items.length, third.items.length]).toEqual([2, 2, 1]);
    expect(new Set([...first.items, ...second.items, ...third.items].map((hit) => hit.id)).size).toBe(5);
    expect(first).toMatchObject({ limit: 2, offset: 0 });
    const beyond = await search({ limit: 2, offset: 100 });
    expect(beyond).toMatchObject({ items: [], total: 5 });
  });

  it.each([
    ['color=green', 'color'],
    ['sort=cheapest', 'sort'],
    ['minPrice=1.5', 'minPrice'],
    ['maxCarbon=-1', 'maxCarbon'],
    ['limit=101', 'limit'],
    ['category=Not%20A%20Slug', 'category'],
    ['minPrice=900&maxPrice=100', 'maxPrice'],
  ])('%s: 400 problem naming %s', async (query, field) => {
    const response = await app.inject({ method: 'GET', url: `/v1/products/search?${query}` });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.json().errors).toEqual([expect.objectContaining({ field })]);
  });
});
