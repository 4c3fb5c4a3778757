import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { Counter, type Registry } from 'prom-client';
import type { FailureBackoff } from './rate-limit.decorator';
import {
  CHECK_WAIT_SCRIPT,
  FIXED_WINDOW_SCRIPT,
  RECORD_FAILURE_SCRIPT,
  REFUND_SCRIPT,
  rateLimitKey,
  WINDOW_MS,
  type LimitKind,
  type RateLimitDecision,
} from './rate-limit';

export interface RateLimitSettings {
  enabled: boolean;
  service: string;
  keyPrefix: string;
  ipPerMinute: number;
  userPerMinute: number;
  /** Per calling service; 0: internal calls are not limited. */
  internalPerMinute: number;
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
    const result = await this.run(FIXED_WINDOW_SCRIPT, [this.counterKey(kind, subject, scope)], [WINDOW_MS]);
    return result && { kind, limit, count: result[0], ttlMs: result[1] };
  }

  /** Takes back one hit of `hit(kind, subject, _, scope)`: the request turned out to spend nothing. */
  async refund(kind: LimitKind, subject: string, scope = ''): Promise<void> {
    await this.run(REFUND_SCRIPT, [this.counterKey(kind, subject, scope)], []);
  }

  /** The wait that earlier failures of this key imposed, if it has not run out (else undefined). */
  async waiting(scope: string, subject: string): Promise<RateLimitDecision | undefined> {
    const result = await this.run(CHECK_WAIT_SCRIPT, [this.backoffKeys(scope, subject)[1]], []);
    return result && result[1] > 0 ? { kind: 'backoff', limit: 0, count: result[0], ttlMs: result[1] } : undefined;
  }

  async recordFailure(scope: string, subject: string, backoff: FailureBackoff): Promise<void> {
    const { freeFailures, baseSeconds, maxSeconds, forgetAfterSeconds } = backoff;
    await this.run(RECORD_FAILURE_SCRIPT, this.backoffKeys(scope, subject), [freeFailures, baseSeconds * 1000, maxSeconds * 1000, forgetAfterSeconds * 1000]);
  }

  async forgetFailures(scope: string, subject: string): Promise<void> {
    if (!this.active) return;
    await this.redis!.del(...this.backoffKeys(scope, subject)).catch((error) => this.failed(error));
  }

  recordRejection(kind: LimitKind): void {
    this.limited.inc({ limit: kind });
  }

  private counterKey(kind: LimitKind, subject: string, scope: string): string {
    return rateLimitKey(this.settings.keyPrefix, this.settings.service, kind, scope ? `${scope}:${subject}` : subject);
  }

  /** Both keys of one backoff, in one hash slot (a Redis Cluster runs the script on one node). */
  private backoffKeys(scope: string, subject: string): [string, string] {
    const base = `{${rateLimitKey(this.settings.keyPrefix, this.settings.service, 'backoff', `${scope}:${subject}`)}}`;
    return [`${base}:failures`, `${base}:wait`];
  }

  private async run(script: string, keys: string[], args: number[]): Promise<[number, number] | undefined> {
    if (!this.active) return undefined;
    try {
      return (await this.redis!.eval(script, keys.length, ...keys, ...args)) as [number, number];
    } catch (error) {
      this.failed(error);
      return undefined;
    }
  }

  private failed(error: unknown): void {
    this.errors.inc();
    const now = Date.now();
    if (now - this.lastWarning >= WARNING_INTERVAL_MS) {
      this.lastWarning = now;
      this.logger.warn(`rate limit check failed, letting requests through: ${(error as Error).message}`);
    }
  }
}
