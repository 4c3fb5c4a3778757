import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '@ecotrack/core';
import { REDIS } from '@ecotrack/platform';
import type Redis from 'ioredis';
import type { ProductConfig } from '../config';
import { productKey, searchKey, searchVersionKey } from './cache-keys';
import { CacheMetrics, type CacheName } from './cache-metrics';

/** The part of ioredis the cache uses (lets unit tests pass a fake). */
export type CacheClient = Pick<Redis, 'get' | 'mget' | 'set' | 'del' | 'incr'>;

class CacheTimeout extends Error {}

/**
 * Cache-aside for product reads. Redis is an optimisation, never a dependency of
 * a read: any Redis failure is logged, counted as result="error", and the read
 * goes to PostgreSQL. Writes invalidate after they commit.
 */
@Injectable()
export class ReadCache {
  private readonly logger = new Logger('ReadCache');
  /** Loads from PostgreSQL running now, by cache key (see loadOnce). */
  private readonly inFlight: Record<CacheName, Map<string, Promise<unknown>>> = { product: new Map(), search: new Map() };

  constructor(
    @Inject(REDIS) private readonly redis: CacheClient,
    @Inject(APP_CONFIG) private readonly config: ProductConfig,
    private readonly metrics: CacheMetrics,
  ) {}

  /** Product detail; `load` returning undefined (no such product) is not cached. */
  product<T>(productId: string, load: () => Promise<T>): Promise<T> {
    return this.through('product', () => Promise.resolve(productKey(productId)), this.config.PRODUCT_CACHE_TTL_SECONDS, load);
  }

  /**
   * Several product details in one Redis round trip (MGET); the misses are loaded together, in
   * one `load` call, and stored for the next reader. Each id counts as one hit or miss, as a
   * single read would. Ids that `load` does not return (no such product) are not cached.
   */
  async products<T>(productIds: string[], load: (missing: string[]) => Promise<Map<string, T>>): Promise<Map<string, T>> {
    let cached: Array<string | null>;
    try {
      cached = await this.bounded(this.redis.mget(...productIds.map(productKey)));
    } catch (error) {
      for (const _id of productIds) this.metrics.count('product', 'error');
      this.logger.warn(`product cache unavailable, reading from PostgreSQL: ${describe(error)}`);
      return load(productIds);
    }
    const found = new Map<string, T>();
    const missing: string[] = [];
    productIds.forEach((id, index) => {
      const hit = cached[index];
      this.metrics.count('product', hit === null ? 'miss' : 'hit');
      if (hit === null) missing.push(id);
      else found.set(id, JSON.parse(hit) as T);
    });
    if (missing.length === 0) return found;
    const loaded = await load(missing);
    await Promise.all(
      [...loaded].map(([id, value]) => {
        found.set(id, value);
        return this.store(id, value).catch((error) => this.logger.warn(`product cache write failed: ${describe(error)}`));
      }),
    );
    return found;
  }

  /** A search result, keyed by the current search version and the normalized parameters. */
  search<T>(params: Record<string, string | number | undefined>, load: () => Promise<T>): Promise<T> {
    const key = async () => searchKey((await this.bounded(this.redis.get(searchVersionKey()))) ?? '0', params);
    return this.through('search', key, this.config.SEARCH_CACHE_TTL_SECONDS, load);
  }

  /** Puts a product detail in the cache (warming); failures are the caller's to log. */
  async store(productId: string, value: unknown): Promise<void> {
    await this.bounded(this.redis.set(productKey(productId), JSON.stringify(value), 'EX', this.config.PRODUCT_CACHE_TTL_SECONDS));
  }

  /** After a product changed: its detail is dropped, and every search with it. Never fails: a failure is logged. */
  async forgetProducts(productIds: string[], { searches }: { searches: boolean }): Promise<void> {
    try {
      await this.invalidate(productIds, { searches });
    } catch (error) {
      // The write is committed; a stale entry now lives at most one TTL.
      this.logger.warn(`cache invalidation failed (stale reads possible until TTL): ${describe(error)}`);
    }
  }

  /**
   * Like forgetProducts, but a Redis failure (or timeout) is thrown: for a caller that retries
   * until it works, such as the consumer of product.events.
   */
  async invalidate(productIds: string[], { searches }: { searches: boolean }): Promise<void> {
    // A read after the write must not join a load that began before it.
    for (const id of productIds) this.inFlight.product.delete(productKey(id));
    if (searches) this.inFlight.search.clear();
    if (productIds.length) await this.bounded(this.redis.del(...productIds.map(productKey)));
    if (searches) await this.bounded(this.redis.incr(searchVersionKey()));
  }

  private async through<T>(cache: CacheName, key: () => Promise<string>, ttlSeconds: number, load: () => Promise<T>): Promise<T> {
    let cacheKey: string;
    try {
      cacheKey = await key();
      const cached = await this.bounded(this.redis.get(cacheKey));
      if (cached !== null) {
        this.metrics.count(cache, 'hit');
        return JSON.parse(cached) as T;
      }
    } catch (error) {
      this.metrics.count(cache, 'error');
      this.logger.warn(`${cache} cache unavailable, reading from PostgreSQL: ${describe(error)}`);
      return load();
    }
    this.metrics.count(cache, 'miss');
    return this.loadOnce(cache, cacheKey, async () => {
      const value = await load();
      if (value !== undefined) {
        await this.bounded(this.redis.set(cacheKey, JSON.stringify(value), 'EX', ttlSeconds)).catch((error) =>
          this.logger.warn(`${cache} cache write failed: ${describe(error)}`),
        );
      }
      return value;
    });
  }

  /**
   * One load per key at a time in this process: the reads that miss while it runs wait for it.
   * Without this, a popular product's entry expiring (or being invalidated) under load sent every
   * read in flight to PostgreSQL at once, exhausted the pool and failed them all.
   */
  private loadOnce<T>(cache: CacheName, cacheKey: string, load: () => Promise<T>): Promise<T> {
    const loads = this.inFlight[cache];
    const running = loads.get(cacheKey) as Promise<T> | undefined;
    if (running) return running;
    const started = load().finally(() => {
      if (loads.get(cacheKey) === started) loads.delete(cacheKey);
    });
    loads.set(cacheKey, started);
    return started;
  }

  /**
   * A slow Redis must not make reads slow: past the timeout it counts as down. Only Redis's
   * slowness, not ours: Node runs due timers before it reads the sockets, so in a busy loop
   * iteration the timer would fire while the answer, long arrived, waits unread, and every
   * read would go to PostgreSQL exactly when the service is busiest. The timeout therefore
   * takes effect after the sockets were read (setImmediate runs after the poll phase).
   */
  private bounded<T>(command: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => setImmediate(() => reject(new CacheTimeout(`no answer within ${this.config.CACHE_TIMEOUT_MS} ms`))),
        this.config.CACHE_TIMEOUT_MS,
      );
    });
    // A command that loses the race may still fail later; that failure is already handled.
    command.catch(() => undefined);
    return Promise.race([command, timeout]).finally(() => clearTimeout(timer));
  }
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));
