import { Module } from '@nestjs/common';
import { CacheMetrics } from './cache-metrics';
import { ReadCache } from './read-cache';

/** Redis cache-aside for product and search reads (REDIS and METRICS_REGISTRY are global). */
@Module({
  providers: [CacheMetrics, ReadCache],
  exports: [ReadCache],
})
export class CacheModule {}
