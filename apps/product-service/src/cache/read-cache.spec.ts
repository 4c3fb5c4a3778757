import { Logger } from '@nestjs/common';
import { stat } from 'node:fs';
import { Registry } from 'prom-client';
import type { ProductConfig } from '../config';
import { productKey, searchVersionKey } from './cache-keys';
import { CacheMetrics } from './cache-metrics';
import { ReadCache, type CacheClient } from './read-cache';

const config: ProductConfig = {
  PRODUCT_CACHE_TTL_SECONDS: 300,
  SEARCH_CACHE_TTL_SECONDS: 60,
  CACHE_WARM_TOP_N: 0,
  CACHE_TIMEOUT_MS: 50,
  CACHE_INVALIDATION_MAX_ATTEMPTS: 3,
  CACHE_INVALIDATION_GROUP_ID: 'product-service-cache',
};

/** An in-memory stand-in for Redis that can be switched off or made to hang. */
class FakeRedis {
  data = new Map<string, string>();
  ttl = new Map<string, number>();
  mode: 'up' | 'down' | 'hanging' = 'up';
  private run<T>(work: () => T): Promise<T> {
    if (this.mode === 'down') return Promise.reject(new Error("Stream isn't writeable and enableOfflineQueue options is false"));
    if (this.mode === 'hanging') return new Promise<T>(() => undefined);
    return Promise.resolve(work());
  }
  get = (key: string) => this.run(() => this.data.get(key) ?? null);
  mget = (...keys: string[]) => this.run(() => keys.map((key) => this.data.get(key) ?? null));
  set = (key: string, value: string, _ex: 'EX', seconds: number) =>
    this.run(() => {
      this.data.set(key, value);
      this.ttl.set(key, seconds);
      return 'OK';
    });
  del = (...keys: string[]) => this.run(() => keys.filter((key) => this.data.delete(key)).length);
  incr = (key: string) => this.run(() => String(Number(this.data.get(key) ?? 0) + 1)).then((value) => (this.data.set(key, value), Number(value)));
}

describe('ReadCache (cache-aside, no I/O)', () => {
  let redis: FakeRedis;
  let registry: Registry;
  let cache: ReadCache;
  let warnings: string[];

  const counted = async (cacheName: string, result: string) =>
    (await registry.getSingleMetric('ecotrack_cache_requests_total')!.get()).values.find(
      (v) => v.labels.cache === cacheName && v.labels.result === result,
    )?.value ?? 0;

  beforeEach(() => {
    redis = new FakeRedis();
    registry = new Registry();
    cache = new ReadCache(redis as unknown as CacheClient, config, new CacheMetrics(registry));
    warnings = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => void warnings.push(String(message)));
  });
  afterEach(() => jest.restoreAllMocks());

  it('misses, loads once and stores with the product TTL; then hits without loading', async () => {
    const load = jest.fn().mockResolvedValue({ id: 'p1', priceCents: 399 });
    expect(await cache.product('p1', load)).toEqual({ id: 'p1', priceCents: 399 });
    expect(await cache.product('p1', load)).toEqual({ id: 'p1', priceCents: 399 });
    expect(load).toHaveBeenCalledTimes(1);
    expect(redis.ttl.get(productKey('p1'))).toBe(300);
    expect([await counted('product', 'miss'), await counted('product', 'hit')]).toEqual([1, 1]);
  });

  it('reads that miss while the product is being loaded wait for that one load', async () => {
    let finish!: (value: { id: string }) => void;
    const load = jest.fn(() => new Promise<{ id: string }>((resolve) => (finish = resolve)));
    const reads = [cache.product('p1', load), cache.product('p1', load), cache.product('p1', load)];
    await new Promise((resolve) => setImmediate(resolve));
    finish({ id: 'p1' });
    expect(await Promise.all(reads)).toEqual([{ id: 'p1' }, { id: 'p1' }, { id: 'p1' }]);
    expect(load).toHaveBeenCalledTimes(1);
    expect(await counted('product', 'miss')).toBe(3);
  });

  it('a read after an invalidation does not join a load that began before it', async () => {
    const finishes: Array<(value: { version: number }) => void> = [];
    const load = jest.fn(() => new Promise<{ version: number }>((resolve) => finishes.push(resolve)));
    const before = cache.product('p1', load);
    await new Promise((resolve) => setImmediate(resolve));
    await cache.invalidate(['p1'], { searches: false });
    const after = cache.product('p1', load);
    await new Promise((resolve) => setImmediate(resolve));
    finishes[0]({ version: 1 });
    finishes[1]({ version: 2 });
    expect([await before, await after]).toEqual([{ version: 1 }, { version: 2 }]);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('an answer that arrived in time is used even when the event loop was too busy to read it before the timeout', async () => {
    await cache.store('p1', { id: 'p1' });
    let answer!: (value: string) => void;
    jest.spyOn(redis, 'get').mockImplementation(() => new Promise((resolve) => (answer = resolve)));
    const read = cache.product('p1', async () => ({ id: 'from-postgres' }));
    await new Promise((resolve) => setImmediate(resolve));
    // One busy loop iteration, longer than the timeout, during which the answer arrives: an I/O
    // completion (here a file stat) that waits for the next poll phase, as a Redis reply would.
    await new Promise<void>((resolve) =>
      setImmediate(() => {
        stat(__filename, () => answer(JSON.stringify({ id: 'p1' })));
        const busyUntil = Date.now() + config.CACHE_TIMEOUT_MS + 50;
        while (Date.now() < busyUntil);
        resolve();
      }),
    );
    expect(await read).toEqual({ id: 'p1' });
    expect(await counted('product', 'error')).toBe(0);
  });

  it('does not cache "not found"', async () => {
    await cache.product('nope', async () => undefined);
    expect(redis.data.has(productKey('nope'))).toBe(false);
  });

  it('one INCR of the search version makes every cached search miss', async () => {
    const load = jest.fn().mockResolvedValue({ items: [], total: 0 });
    await cache.search({ q: 'straw' }, load);
    await cache.search({ q: 'straw' }, load);
    await cache.forgetProducts([], { searches: true });
    await cache.search({ q: 'straw' }, load);
    expect(load).toHaveBeenCalledTimes(2);
    expect(redis.data.get(searchVersionKey())).toBe('1');
    expect([await counted('search', 'miss'), await counted('search', 'hit')]).toEqual([2, 1]);
  });

  it.each(['down', 'hanging'] as const)('Redis %s: reads come from the loader, counted as errors, with a warning', async (mode) => {
    redis.mode = mode;
    expect(await cache.product('p1', async () => ({ id: 'p1' }))).toEqual({ id: 'p1' });
    expect(await cache.search({ q: 'straw' }, async () => ({ total: 0 }))).toEqual({ total: 0 });
    expect([await counted('product', 'error'), await counted('search', 'error')]).toEqual([1, 1]);
    expect(warnings.join('\n')).toMatch(/product cache unavailable, reading from PostgreSQL/);
  });

  it('invalidate (for the product.events consumer) drops the detail, and throws when Redis fails so the message is retried', async () => {
    await cache.product('p1', async () => ({ id: 'p1' }));
    await cache.invalidate(['p1'], { searches: false });
    expect(redis.data.has(productKey('p1'))).toBe(false);
    expect(redis.data.has(searchVersionKey())).toBe(false);
    redis.mode = 'down';
    await expect(cache.invalidate(['p1'], { searches: false })).rejects.toThrow(/isn't writeable/);
    redis.mode = 'hanging';
    await expect(cache.invalidate(['p1'], { searches: false })).rejects.toThrow(/no answer within 50 ms/);
  });

  it('Redis down during invalidation: the write is not failed, a warning says reads may be stale', async () => {
    redis.mode = 'down';
    await expect(cache.forgetProducts(['p1'], { searches: true })).resolves.toBeUndefined();
    expect(warnings.join('\n')).toMatch(/invalidation failed/);
  });

  describe('several products at once', () => {
    const product = (id: string) => ({ id, priceCents: 100 });
    const loader = (known: string[]) => jest.fn(async (ids: string[]) => new Map(ids.filter((id) => known.includes(id)).map((id) => [id, product(id)])));

    it('reads the cached ones in one round trip, loads only the misses in one call, and stores them', async () => {
      await cache.store('p1', product('p1'));
      const load = loader(['p1', 'p2', 'p3']);
      const found = await cache.products(['p1', 'p2', 'p3'], load);
      expect([...found.keys()].sort()).toEqual(['p1', 'p2', 'p3']);
      expect(load).toHaveBeenCalledTimes(1);
      expect(load).toHaveBeenCalledWith(['p2', 'p3']);
      expect(redis.ttl.get(productKey('p2'))).toBe(300);
      expect(await counted('product', 'hit')).toBe(1);
      expect(await counted('product', 'miss')).toBe(2);
      // Now all three are hits: no load at all.
      const again = loader([]);
      expect((await cache.products(['p1', 'p2', 'p3'], again)).size).toBe(3);
      expect(again).not.toHaveBeenCalled();
    });

    it('caches nothing for unknown products', async () => {
      const found = await cache.products(['p1', 'nope'], loader(['p1']));
      expect([...found.keys()]).toEqual(['p1']);
      expect(redis.data.has(productKey('nope'))).toBe(false);
    });

    it('reads everything from PostgreSQL when Redis is down or hangs, counting errors', async () => {
      for (const mode of ['down', 'hanging'] as const) {
        redis.mode = mode;
        const load = loader(['p1', 'p2']);
        expect((await cache.products(['p1', 'p2'], load)).size).toBe(2);
        expect(load).toHaveBeenCalledWith(['p1', 'p2']);
      }
      expect(await counted('product', 'error')).toBe(4);
    });
  });
});
