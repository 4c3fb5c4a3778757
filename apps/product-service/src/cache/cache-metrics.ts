import { Inject, Injectable } from '@nestjs/common';
import { METRICS_REGISTRY } from '@ecotrack/telemetry';
import { Counter, type Registry } from 'prom-client';

export type CacheName = 'product' | 'search';
export type CacheResult = 'hit' | 'miss' | 'error';

/** ecotrack_cache_requests_total{cache, result}: hit ratio and Redis trouble at a glance. */
@Injectable()
export class CacheMetrics {
  private readonly requests: Counter<'cache' | 'result'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.requests = new Counter({
      name: 'ecotrack_cache_requests_total',
      help: 'Cache-aside reads by cache and result (hit, miss, or error when Redis failed and PostgreSQL answered)',
      labelNames: ['cache', 'result'],
      registers: [registry],
    });
    // Every series exists from the start, so a rate() never misses the first increment.
    for (const cache of ['product', 'search'] as const) {
      for (const result of ['hit', 'miss', 'error'] as const) this.requests.inc({ cache, result }, 0);
    }
  }

  count(cache: CacheName, result: CacheResult): void {
    this.requests.inc({ cache, result });
  }
}
