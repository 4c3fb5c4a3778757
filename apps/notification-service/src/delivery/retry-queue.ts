import { Inject, Injectable } from '@nestjs/common';
import { REDIS } from '@ecotrack/platform';
import type Redis from 'ioredis';

const KEY = 'notification:retries';

/**
 * Notifications due for another attempt: a Redis sorted set of ids scored by due time (ms).
 * A claim is a ZREM: of several instances polling, exactly one removes (and so owns) an id.
 * The row stays `queued` in PostgreSQL meanwhile, so what the queue holds is only "when".
 */
@Injectable()
export class RetryQueue {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async schedule(notificationId: string, dueAt: number): Promise<void> {
    await this.redis.zadd(KEY, dueAt, notificationId);
  }

  /** Up to `limit` ids due now, each claimed by this caller alone. */
  async claimDue(limit = 20, now = Date.now()): Promise<string[]> {
    const due = await this.redis.zrangebyscore(KEY, '-inf', now, 'LIMIT', 0, limit);
    const claimed: string[] = [];
    for (const id of due) if ((await this.redis.zrem(KEY, id)) === 1) claimed.push(id);
    return claimed;
  }
}

/** Exponential backoff with full jitter over the upper half: attempt 1 → [base/2, base], 2 → [base, 2·base], ... */
export function backoffMs(attempt: number, baseMs: number, random = Math.random): number {
  const ceiling = baseMs * 2 ** (attempt - 1);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
