import { Module } from '@nestjs/common';
import { CacheInvalidation } from './cache-invalidation';
import { CacheMetrics } from './cache-metrics';
import { ReadCache } from './read-cache';

/**
 * Redis cache-aside for product and search reads, and its invalidation by product.events
 * (REDIS, METRICS_REGISTRY and MessageHandlers are global).
 */
@Module({
  providers: [CacheMetrics, ReadCache, CacheInvalidation],
  exports: [ReadCache],
})
export class CacheModule {}
