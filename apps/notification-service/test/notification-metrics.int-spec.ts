import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createEnvelope } from '@ecotrack/events';
import { openBaoSecretSource } from '@ecotrack/secrets';
import { METRICS_REGISTRY, metricValue } from '@ecotrack/telemetry';
import { startInProcess, startMailpit, startTestIdentity, waitUntil, type MailpitMock, type TestIdentity } from '@ecotrack/testing';
import { randomUUID } from 'node:crypto';
import type { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { notificationConfig } from '../src/config';
import { AppModule } from '../src/app.module';
import { EventNotificationHandlers } from '../src/events/event-notifications.handlers';
import type { NotifyingEvent } from '../src/events/event-notifications';
import { service } from '../src/service';
import { smtpSettings } from './smtp-settings';

const WAIT = { timeoutMs: 30_000, intervalMs: 50 };

/**
 * ecotrack_notifications_total{channel, outcome} and ecotrack_notification_delivery_seconds: each
 * notification counts once at its final outcome, after the commit that wrote it (real PostgreSQL,
 * SMTP to a private Mailpit). Events go through the service's own handler in a transaction, as
 * its consumer runs it; the consumer itself is off, so only this test's events are counted.
 */
describe('notification business metrics (PostgreSQL, SMTP to Mailpit)', () => {
  let mailpit: MailpitMock;
  let identity: TestIdentity;
  let app: NestFastifyApplication;
  let db: DataSource;
  const userIds: string[] = [];

  const value = (name: string, labels: Record<string, string> = {}) => metricValue(app.get<Registry>(METRICS_REGISTRY), name, labels);
  const outcomes = async () => ({
    sent: await value('ecotrack_notifications_total', { channel: 'email', outcome: 'sent' }),
    failed: await value('ecotrack_notifications_total', { channel: 'email', outcome: 'failed' }),
    skipped: await value('ecotrack_notifications_total', { channel: 'email', outcome: 'skipped' }),
  });
  const user = async (address: 'known' | 'unknown') => {
    const id = randomUUID();
    userIds.push(id);
    if (address === 'known') await db.query(`INSERT INTO recipients (user_id, email) VALUES ($1, $2)`, [id, `metrics-${id}@example.com`]);
    return id;
  };
  const orderConfirmed = (userId: string, occurredAt = new Date()) => {
    const orderId = randomUUID();
    return createEnvelope('test-order-service', { type: 'OrderConfirmed', aggregateId: orderId, occurredAt, payload: { orderId, userId, totalCents: 990, currency: 'EUR' } }) as NotifyingEvent;
  };
  /** The consumer's handler, in a transaction of its own (the consumer's, with the inbox row). */
  const handle = (event: NotifyingEvent) => db.transaction((manager) => app.get(EventNotificationHandlers).handle(event, { manager }));
  const statusOf = async (eventId: string) => (await db.query(`SELECT status FROM notifications WHERE source_event_id = $1`, [eventId]))[0]?.status as string | undefined;

  beforeAll(async () => {
    mailpit = await startMailpit();
    identity = await startTestIdentity(process.env.REDIS_URL!);
    const settings = {
      ...smtpSettings(identity, mailpit),
      NOTIFICATION_RETRY_POLL_MS: '100',
      NOTIFICATION_EVENTS_ENABLED: 'false',
    };
    app = await startInProcess({ ...service, module: AppModule, config: notificationConfig(settings), secrets: openBaoSecretSource }, process.env as Record<string, string>, settings);
    db = app.get(DataSource);
  }, 5 * 60_000);
  afterAll(async () => {
    if (db?.isInitialized) {
      await db.query(`DELETE FROM notifications WHERE user_id = ANY($1::uuid[])`, [userIds]);
      await db.query(`DELETE FROM recipients WHERE user_id = ANY($1::uuid[])`, [userIds]);
    }
    await app?.close();
    await identity?.close();
    await mailpit?.stop();
  }, 60_000);

  it('sent once, with the time from the event to the provider; the same event again records and counts nothing', async () => {
    const before = await outcomes();
    const deliveries = await value('ecotrack_notification_delivery_seconds_count', { channel: 'email' });
    const seconds = await value('ecotrack_notification_delivery_seconds_sum', { channel: 'email' });
    const event = orderConfirmed(await user('known'), new Date(Date.now() - 3_000)); // it happened 3 s ago
    await handle(event);
    await handle(event); // a re-published copy: the unique source_event_id keeps one notification

    await waitUntil('the notification to be sent', () => statusOf(event.id), (status) => status === 'sent', WAIT);
    await waitUntil('the sent count', () => value('ecotrack_notifications_total', { channel: 'email', outcome: 'sent' }), (n) => n > before.sent, WAIT);
    expect(await outcomes()).toEqual({ ...before, sent: before.sent + 1 });
    expect(await value('ecotrack_notification_delivery_seconds_count', { channel: 'email' })).toBe(deliveries + 1);
    expect((await value('ecotrack_notification_delivery_seconds_sum', { channel: 'email' })) - seconds).toBeGreaterThanOrEqual(3);
  });

  it('skipped: no address on file, counted after the commit; a rolled-back handling counts nothing', async () => {
    const before = await outcomes();
    const unknown = orderConfirmed(await user('unknown'));
    await expect(
      db.transaction(async (manager) => {
        await app.get(EventNotificationHandlers).handle(unknown, { manager });
        throw new Error('the consumer failed after the handler: rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await outcomes()).toEqual(before);

    await handle(unknown); // the redelivery after the rollback
    expect(await statusOf(unknown.id)).toBe('failed');
    expect(await outcomes()).toEqual({ ...before, skipped: before.skipped + 1 });
  });

  it('failed: a provider call cut short (its claim past the lease) fails once', async () => {
    const before = await outcomes();
    const userId = await user('known');
    const [inserted] = await db.query(
      `INSERT INTO notifications (user_id, channel, template, status, recipient, provider, data, attempts, source_event_id, claim_id, claimed_until)
       VALUES ($1, 'email', 'order-cancelled', 'queued', 'x@example.com', 'smtp', $2::jsonb, 1, $3, $4, now() - interval '1 second')
       RETURNING id`,
      [userId, JSON.stringify({ orderId: randomUUID() }), randomUUID(), randomUUID()],
    );
    await waitUntil('the interrupted claim to fail', async () => (await db.query(`SELECT status FROM notifications WHERE id = $1`, [inserted.id]))[0].status, (s) => s === 'failed', WAIT);
    expect(await outcomes()).toEqual({ ...before, failed: before.failed + 1 });
  });
});
