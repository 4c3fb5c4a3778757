import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { Counter, type Registry } from 'prom-client';
import { FIXED_WINDOW_SCRIPT, rateLimitKey, WINDOW_MS, type LimitKind, type RateLimitDecision } from './rate-limit';

export interface RateLimitSettings {
  enabled: boolean;
  service: string;
  keyPrefix: string;
  ipPerMinute: number;
  userPerMinute: number;
}

/** Counters are per registry; the hook and the interceptor share them. */
function counter(registry: Registry, name: string, help: string, labelNames: string[] = []): Counter<string> {
  return (registry.getSingleMetric(name) as Counter<string> | undefined) ?? new Counter({ name, help, labelNames, registers: [registry] });
}

const WARNING_INTERVAL_MS = 10_000;

/**
 * Counts requests in Redis, so every instance of a service shares one budget.
 *
 * Fails OPEN: when Redis is down or slow the request goes through (with a
 * warning and ecotrack_rate_limit_errors_total). Rate limiting protects
 * capacity; turning a Redis outage into an outage of every API (429/503 for
 * all) would do more harm than letting traffic through unmetered for a while.
 * Contrast session revocation, which fails closed because it is a security check.
 */
export class RateLimiter {
  private readonly logger = new Logger('RateLimit');
  private readonly limited: Counter<string>;
  private readonly errors: Counter<string>;
  private lastWarning = 0;

  constructor(
    readonly settings: RateLimitSettings,
    private readonly redis: Redis | undefined,
    registry: Registry,
  ) {
    this.limited = counter(registry, 'ecotrack_rate_limited_requests_total', 'Requests rejected with 429, by the limit they exceeded', ['limit']);
    this.errors = counter(registry, 'ecotrack_rate_limit_errors_total', 'Rate limit checks that failed (Redis unavailable); the request was let through');
    if (settings.enabled && !redis) this.logger.warn('no Redis in this service: rate limiting is off');
  }

  get active(): boolean {
    return this.settings.enabled && this.redis !== undefined;
  }

  /** Counts one hit; undefined when limiting is off or Redis failed (fail open). */
  async hit(kind: LimitKind, subject: string, limit: number, scope = ''): Promise<RateLimitDecision | undefined> {
    if (!this.active) return undefined;
    const key = rateLimitKey(this.settings.keyPrefix, this.settings.service, kind, scope ? `${scope}:${subject}` : subject);
    try {
      const [count, ttlMs] = (await this.redis!.eval(FIXED_WINDOW_SCRIPT, 1, key, WINDOW_MS)) as [number, number];
      return { kind, limit, count, ttlMs };
    } catch (error) {
      this.errors.inc();
      const now = Date.now();
      if (now - this.lastWarning >= WARNING_INTERVAL_MS) {
        this.lastWarning = now;
        this.logger.warn(`rate limit check failed, letting requests through: ${(error as Error).message}`);
      }
      return undefined;
    }
  }

  recordRejection(kind: LimitKind): void {
    this.limited.inc({ limit: kind });
  }
}
