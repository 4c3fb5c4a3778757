import { Inject, Injectable } from '@nestjs/common';
import { afterCommit, everySeries, preparedCounter } from '@ecotrack/platform';
import { METRICS_REGISTRY } from '@ecotrack/telemetry';
import { Histogram, type Counter, type Registry } from 'prom-client';
import type { EntityManager } from 'typeorm';
import { CHANNELS, type Channel } from '../providers/channel';

/** sent: a provider took it; failed: refused, undeliverable or given up on; skipped: never sent by choice or for want of an address (opted out, no address on file). */
export type NotificationOutcome = 'sent' | 'failed' | 'skipped';
const OUTCOMES: readonly NotificationOutcome[] = ['sent', 'failed', 'skipped'];

/**
 * ecotrack_notifications_total{channel, outcome} and ecotrack_notification_delivery_seconds{channel}.
 * A notification counts once, at its final outcome as written (a retry is not final; an event
 * delivered twice records one notification), when that write has committed. The delivery time
 * runs from the moment the notified event occurred (its occurredAt; the request, over HTTP) to
 * the provider accepting the message, retries and queueing included.
 */
@Injectable()
export class NotificationMetrics {
  private readonly notifications: Counter<'channel' | 'outcome'>;
  private readonly delivery: Histogram<'channel'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.notifications = preparedCounter(registry, {
      name: 'ecotrack_notifications_total',
      help: 'Notifications by channel and final outcome (sent, failed, skipped: opted out or no address)',
      labelNames: ['channel', 'outcome'],
      series: everySeries({ channel: CHANNELS, outcome: OUTCOMES }),
    });
    this.delivery = new Histogram({
      name: 'ecotrack_notification_delivery_seconds',
      help: 'From the notified event (its occurredAt) to the provider accepting the message',
      labelNames: ['channel'],
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
      registers: [registry],
    });
    for (const channel of CHANNELS) this.delivery.zero({ channel });
  }

  /** A final outcome; with `tx`, counted when its transaction commits. */
  count(channel: Channel, outcome: Exclude<NotificationOutcome, 'sent'>, tx?: EntityManager): void {
    const inc = () => this.notifications.inc({ channel, outcome });
    if (tx) afterCommit(tx, inc);
    else inc();
  }

  /** The provider took the message (its write committed); `occurredAt` unknown for rows older than the column. */
  countSent(channel: Channel, occurredAt: Date | null): void {
    this.notifications.inc({ channel, outcome: 'sent' });
    if (occurredAt) this.delivery.observe({ channel }, Math.max(0, Date.now() - occurredAt.getTime()) / 1000);
  }
}
