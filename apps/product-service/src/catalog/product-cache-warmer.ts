import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, Lifecycle } from '@ecotrack/core';
import { DataSource } from 'typeorm';
import { ReadCache } from '../cache/read-cache';
import type { ProductConfig } from '../config';
import { PRODUCT_COLUMNS, productFromRow, type ProductRow } from './product-row';

/**
 * Loads the most bought products into the cache once the service is ready.
 * It runs in the background: readiness waits for dependencies only, never for
 * warming, and a failed warm-up is a warning (the cache fills itself on reads).
 */
@Injectable()
export class ProductCacheWarmer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('CacheWarmer');
  private readonly shutdown = new AbortController();
  /** Settles when warming finished, failed or was skipped; resolves to the number of products warmed. */
  done: Promise<number> = Promise.resolve(0);

  constructor(
    private readonly db: DataSource,
    private readonly cache: ReadCache,
    private readonly lifecycle: Lifecycle,
    @Inject(APP_CONFIG) private readonly config: ProductConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.CACHE_WARM_TOP_N > 0) this.done = this.warmWhenReady();
  }

  onApplicationShutdown(): void {
    this.shutdown.abort();
  }

  private async warmWhenReady(): Promise<number> {
    // Bootstrap marks the service ready right after PostgreSQL and Redis answered.
    if (!(await this.lifecycle.whenReady(this.shutdown.signal))) return 0;
    try {
      return await this.warm(this.config.CACHE_WARM_TOP_N);
    } catch (error) {
      this.logger.warn(`cache warming skipped: ${(error as Error).message}`);
      return 0;
    }
  }

  /** Popularity = how often the product was bought with others; newest first among equals. */
  async warm(topN: number): Promise<number> {
    const rows: ProductRow[] = await this.db.query(
      `SELECT ${PRODUCT_COLUMNS}
         FROM products p
         LEFT JOIN (
           SELECT product_id, sum(purchase_count) AS bought
             FROM (SELECT product_a AS product_id, purchase_count FROM product_co_purchases
                   UNION ALL
                   SELECT product_b, purchase_count FROM product_co_purchases) pairs
            GROUP BY product_id
         ) popularity ON popularity.product_id = p.id
        ORDER BY popularity.bought DESC NULLS LAST, p.created_at DESC, p.id
        LIMIT $1`,
      [topN],
    );
    for (const row of rows) {
      if (this.shutdown.signal.aborted) break;
      await this.cache.store(row.id, productFromRow(row));
    }
    this.logger.log(`cache warmed with ${rows.length} products`);
    return rows.length;
  }
}
