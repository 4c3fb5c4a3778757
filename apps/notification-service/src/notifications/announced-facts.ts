import { Inject, Injectable } from '@nestjs/common';
import { REDIS } from '@ecotrack/platform';
import type Redis from 'ioredis';

/**
 * Remembers, outside PostgreSQL, which facts have been announced (an order confirmed, a payment
 * captured): one notification per fact, ever. A restore of the databases to an earlier point
 * (docs/dr.md) forgets the notifications sent after that point, and the saga that runs again
 * announces the same facts anew, under new event ids, so neither the inbox nor the unique
 * source_event_id can tell. Redis is not restored with the databases: the two memories fail
 * separately, and only losing both at once can repeat a mail.
 */
@Injectable()
export class AnnouncedFacts {
  /** Longer than the oldest point a restore can reach (two weekly full backups and their WAL, docs/dr.md). */
  static readonly REMEMBERED_SECONDS = 35 * 24 * 3600;

  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  /**
   * Claims `fact` for this notification. True when it is ours: claimed now, or by this same
   * notification before (a retry after a provider outage); false when another notification
   * announced it already.
   */
  async claim(fact: string, notificationId: string): Promise<boolean> {
    const key = `notification:announced:${fact}`;
    if ((await this.redis.set(key, notificationId, 'EX', AnnouncedFacts.REMEMBERED_SECONDS, 'NX')) === 'OK') return true;
    return (await this.redis.get(key)) === notificationId;
  }
}

/**
 * The fact an event-recorded notification announces, by template: an order's outcome, a payment's
 * receipt or refund. Undefined for mails that may come again (a new verification code, a welcome).
 */
export function announcedFact(notification: { template: string; data: Record<string, unknown> | null }): string | undefined {
  const data = notification.data ?? {};
  switch (notification.template) {
    case 'order-confirmed':
    case 'order-rejected':
    case 'order-cancelled':
      return `${notification.template}:${String(data.orderId)}`;
    case 'payment-receipt':
    case 'payment-refunded':
      return `${notification.template}:${String(data.paymentId)}`;
    default:
      return undefined;
  }
}
