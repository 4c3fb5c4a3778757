import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createEnvelope, EventsMetrics, EventsRuntime, messageHeaders, SEALED_FIELDS_KEY, topics, type ConsumeResult, type Envelope, type MessageDraft, type MessageType } from '@ecotrack/events';
import { postgresOptions } from '@ecotrack/platform';
import { serviceEnv, startInProcess, startMailpit, startTestIdentity, transitAs, type MailpitMock, type TestIdentity, type TransitAs, present, waitUntil } from '@ecotrack/testing';
import { openBaoSecretSource } from '@ecotrack/secrets';
import { Kafka, logLevel, Partitioners, type Consumer, type Producer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { notificationConfig } from '../src/config';
import { AppModule } from '../src/app.module';
import { NotificationDispatcher } from '../src/dispatch/notification-dispatcher';
import { INTERRUPTED_REASON, NO_ADDRESS_REASON } from '../src/notifications/notifications.service';
import { service } from '../src/service';
import { smtpSettings } from './smtp-settings';

interface NotificationRow {
  id: string;
  user_id: string;
  channel: string;
  template: string;
  status: string;
  recipient: string | null;
  provider: string | null;
  provider_message_id: string | null;
  failure_reason: string | null;
  attempts: number;
  source_event_id: string | null;
  claim_id: string | null;
  sealed_data: Record<string, string> | null;
}
interface MailpitSummary {
  ID: string;
  MessageID: string;
  To: { Address: string }[];
  Subject: string;
}
interface MailpitMessage extends MailpitSummary {
  Text: string;
  HTML: string;
}
interface TestUser {
  id: string;
  email: string;
  name: string;
}

// Each wait is bounded by its own 30 s (and fails naming what it waited for), within Jest's 60 s.
const WAIT = { timeoutMs: 30_000, intervalMs: 50 };
jest.setTimeout(60_000);

/**
 * notification-service in process (real PostgreSQL, Redis, Kafka) sending email over SMTP to a
 * private Mailpit. The test produces envelopes to the real topics with kafkajs, as the other
 * services' relays would, and reads back what was recorded (PostgreSQL), what was sent (Mailpit's
 * API) and what was announced (notification.events).
 */
describe('notification-service: domain events → one notification each (Kafka, PostgreSQL, Mailpit)', () => {
  let mailpit: MailpitMock;
  let identity: TestIdentity;
  let app: NestFastifyApplication;
  let db: DataSource;
  let kafka: Kafka;
  let producer: Producer;
  const consumers: Consumer[] = [];
  const users: TestUser[] = [];
  /** Sealing as user-service does (its AppRole: encrypt only). */
  let userService: TransitAs;
  const startedAt = new Date();

  const env = () => ({
    ...smtpSettings(identity, mailpit),
    NOTIFICATION_RETRY_POLL_MS: '100',
    NOTIFICATION_RETRY_BASE_MS: '200',
  });

  /** The service in process, its consumer in its group (the events runtime starts once startInProcess marks it ready). */
  async function startService(overrides: Record<string, string> = {}): Promise<NestFastifyApplication> {
    const settings = { ...env(), ...overrides };
    const started = await startInProcess({ ...service, module: AppModule, config: notificationConfig(settings), secrets: openBaoSecretSource }, process.env as Record<string, string>, settings);
    const runtime = started.get(EventsRuntime);
    const consumer = await waitUntil('the events consumer to start', async () => runtime.consumer, present, WAIT);
    await consumer.joined;
    return started;
  }

  const newUser = (name = 'Ada Lovelace'): TestUser => {
    const user = { id: randomUUID(), email: `ada-${randomUUID()}@example.com`, name };
    users.push(user);
    return user;
  };

  /** Produces one envelope to a real topic, keyed by its aggregate, with the headers a relay writes. */
  async function produce<T extends MessageType>(topic: string, draft: MessageDraft<T>, copies = 1): Promise<Envelope<T>> {
    const envelope = createEnvelope(`test-${draft.type}`, draft);
    const message = { key: envelope.aggregateId, value: JSON.stringify(envelope), headers: messageHeaders(envelope) };
    for (let i = 0; i < copies; i++) await producer.send({ topic, messages: [message] });
    return envelope;
  }

  /** A UserRegistered v1 as a producer from before sealing wrote it: address and name in clear. */
  async function produceUserRegisteredV1(user: TestUser): Promise<Envelope<'UserRegistered'>> {
    const envelope = {
      id: randomUUID(),
      type: 'UserRegistered' as const,
      version: 1 as const,
      source: 'test-legacy-user-service',
      aggregateId: user.id,
      occurredAt: new Date().toISOString(),
      payload: { userId: user.id, email: user.email, name: user.name },
    };
    await producer.send({ topic: topics.user.events, messages: [{ key: user.id, value: JSON.stringify(envelope), headers: messageHeaders(envelope) }] });
    return envelope;
  }

  /** What user-service writes at registration: the account (address sealed) and its verification mail (address and token sealed). */
  async function registration(user: TestUser, token: string) {
    const email = await userService.encrypt(user.email);
    const registered = await produce(topics.user.events, { type: 'UserRegistered', aggregateId: user.id, payload: { userId: user.id, email } });
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const verification = await produce(topics.user.events, {
      type: 'EmailVerificationRequested',
      aggregateId: user.id,
      payload: { userId: user.id, email, token: await userService.encrypt(token), expiresAt },
    });
    return { registered, verification, expiresAt };
  }

  const rowsFor = (eventId: string): Promise<NotificationRow[]> => db.query(`SELECT * FROM notifications WHERE source_event_id = $1`, [eventId]);
  const row = async (id: string): Promise<NotificationRow> => (await db.query(`SELECT * FROM notifications WHERE id = $1`, [id]))[0];
  /** The event's notification once it left `queued` (sent or failed). */
  const settled = (eventId: string) =>
    waitUntil(`the notification of event ${eventId} to settle`, async () => {
      const [found] = await rowsFor(eventId);
      return found && found.status !== 'queued' ? found : undefined;
    }, present, WAIT);

  const mailpitApi = <T>(path: string) =>
    fetch(`${mailpit.apiUrl}${path}`).then(async (response) => {
      if (!response.ok) throw new Error(`Mailpit ${path}: HTTP ${response.status}`);
      return (await response.json()) as T;
    });
  /** Every message Mailpit received for `address`, with its body. */
  const mailsTo = async (address: string): Promise<MailpitMessage[]> => {
    const { messages } = await mailpitApi<{ messages: MailpitSummary[] }>('/api/v1/messages?limit=1000');
    const ours = messages.filter((m) => m.To.some((to) => to.Address === address));
    return Promise.all(ours.map((m) => mailpitApi<MailpitMessage>(`/api/v1/message/${m.ID}`)));
  };

  /** A user whose UserRegistered (v2: the address sealed) was consumed: notification-service knows the address. */
  async function registered(name?: string): Promise<TestUser> {
    const user = newUser(name);
    await produce(topics.user.events, { type: 'UserRegistered', aggregateId: user.id, payload: { userId: user.id, email: await userService.encrypt(user.email) } });
    await waitUntil('the address to be remembered', async () => (await db.query(`SELECT email FROM recipients WHERE user_id = $1`, [user.id]))[0]?.email === user.email, Boolean, WAIT);
    return user;
  }

  /** Consumption counter of this app instance, for one (type, result). */
  const consumed = async (type: MessageType, result: ConsumeResult) => {
    const metric = await app.get(EventsMetrics).consumed.get();
    return metric.values.filter((v) => v.labels.type === type && v.labels.result === result).reduce((sum, v) => sum + v.value, 0);
  };
  /** Two more full dispatcher passes: whatever was due when this was called has been looked at. */
  const twoDispatcherPasses = async () => {
    const dispatcher = app.get(NotificationDispatcher);
    const target = dispatcher.completedPasses + 2;
    await waitUntil('two dispatcher passes', async () => dispatcher.completedPasses >= target, Boolean, WAIT);
  };

  beforeAll(async () => {
    mailpit = await startMailpit();
    identity = await startTestIdentity(process.env.REDIS_URL!);
    userService = await transitAs('user-service', SEALED_FIELDS_KEY);
    kafka = new Kafka({ clientId: 'notification-events-test', brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    // The test's own pool: it outlives the app instances it stops and starts.
    db = new DataSource(postgresOptions({ url: serviceEnv(process.env as Record<string, string>, service.name).DATABASE_URL, applicationName: 'notification-events-test', entities: [] }));
    await db.initialize();
    app = await startService();
  }, 5 * 60_000);

  afterAll(async () => {
    await app?.close();
    await producer?.disconnect();
    await Promise.all(consumers.map((c) => c.disconnect()));
    if (db?.isInitialized) {
      const ids = users.map((u) => u.id);
      await db.query(`DELETE FROM notifications WHERE user_id = ANY($1::uuid[])`, [ids]);
      await db.query(`DELETE FROM recipients WHERE user_id = ANY($1::uuid[])`, [ids]);
      await db.query(`DELETE FROM notification_preferences WHERE user_id = ANY($1::uuid[])`, [ids]);
      // Other services' test events seen meanwhile: leave no queued work for the next suite's dispatcher.
      await db.query(`DELETE FROM notifications WHERE status = 'queued' AND source_event_id IS NOT NULL AND created_at >= $1`, [startedAt]);
      await db.destroy();
    }
    await identity?.close();
    await mailpit?.stop();
  }, 60_000);

  it('registration (sealed address and token): the verification mail carries the token and no name; EmailVerified (sealed name): the welcome greets by name, escaped in HTML; nothing in clear stays behind', async () => {
    const user = newUser('Ada <b>Lovelace</b> & co');
    const token = randomUUID().replace(/-/g, '') + 'Tok3n';
    const { registered: userRegistered, verification, expiresAt } = await registration(user, token);

    const notification = await settled(verification.id);
    expect(notification).toMatchObject({
      user_id: user.id,
      channel: 'email',
      template: 'verify-email',
      status: 'sent',
      recipient: user.email,
      provider: 'smtp',
      provider_message_id: `${notification.id}@example.com`,
      failure_reason: null,
      attempts: 1,
      claim_id: null,
    });
    // UserRegistered v2 told the address (opened here) and asked for no mail of its own.
    expect(await rowsFor(userRegistered.id)).toEqual([]);
    expect(await db.query(`SELECT email, name FROM recipients WHERE user_id = $1`, [user.id])).toEqual([{ email: user.email, name: null }]);

    const [mail] = await waitUntil('the verification mail', () => mailsTo(user.email), (found) => found.length > 0, WAIT);
    expect(mail).toMatchObject({ MessageID: `${notification.id}@example.com`, Subject: 'Confirm your email address' });
    expect(mail.Text).toContain(token);
    expect(mail.Text).toContain(`${expiresAt.slice(0, 16).replace('T', ' ')} UTC`);
    expect(mail.Text + mail.HTML).not.toContain('Lovelace');

    const verified = await produce(topics.user.events, { type: 'EmailVerified', aggregateId: user.id, payload: { userId: user.id, name: await userService.encrypt(user.name) } });
    expect(await settled(verified.id)).toMatchObject({ template: 'welcome', status: 'sent', recipient: user.email });
    const welcome = await waitUntil('the welcome mail', async () => (await mailsTo(user.email)).find((m) => m.Subject === 'Welcome to EcoTrack'), present, WAIT);
    expect(welcome.Text.trim()).toBe('Hello Ada <b>Lovelace</b> & co, welcome to EcoTrack.');
    expect(welcome.HTML).toContain('<p>Hello Ada &lt;b&gt;Lovelace&lt;/b&gt; &amp; co, welcome to EcoTrack.</p>');

    // The token and the name existed in clear only in the mails: the rows kept them sealed, and dropped them once sent.
    const stored = JSON.stringify(await db.query(`SELECT * FROM notifications WHERE user_id = $1`, [user.id]));
    expect(stored).not.toContain(token);
    expect(stored).not.toContain('Lovelace');
    expect(await db.query(`SELECT count(*)::int AS n FROM notifications WHERE user_id = $1 AND sealed_data IS NOT NULL`, [user.id])).toEqual([{ n: 0 }]);
    expect(JSON.stringify(await db.query(`SELECT * FROM outbox WHERE payload->'payload'->>'userId' = $1`, [user.id]))).not.toContain(user.email);
  });

  it('a sealed field only this key can open: a token sealed with another key fails the notification (not retried), nothing is sent', async () => {
    const user = await registered();
    const [retriedBefore, deadBefore] = [await consumed('EmailVerificationRequested', 'retried'), await consumed('EmailVerificationRequested', 'dead_lettered')];
    // personal-fields is user-service's own key: notification-service may not decrypt with it.
    const foreign = await (await transitAs('user-service', 'personal-fields')).encrypt('not for notification-service');
    const event = await produce(topics.user.events, {
      type: 'EmailVerificationRequested',
      aggregateId: user.id,
      payload: { userId: user.id, email: await userService.encrypt(user.email), token: foreign, expiresAt: new Date(Date.now() + 60_000).toISOString() },
    });
    const notification = await settled(event.id);
    expect(notification).toMatchObject({ status: 'failed', template: 'verify-email', attempts: 1 });
    expect(notification.failure_reason).toMatch(/^error: cannot open its sealed data: /);
    expect(await consumed('EmailVerificationRequested', 'retried')).toBe(retriedBefore);
    expect(await consumed('EmailVerificationRequested', 'dead_lettered')).toBe(deadBefore);
    expect(await mailsTo(user.email)).toEqual([]);
  });

  it('UserRegistered v1 (an older producer: address and name in clear) is still read: the address is remembered, the welcome greets nobody by name (unverified)', async () => {
    const user = newUser(`Legacy ${randomUUID().slice(0, 8)}`);
    const event = await produceUserRegisteredV1(user);
    expect(await settled(event.id)).toMatchObject({ template: 'welcome', status: 'sent', recipient: user.email });
    expect(await db.query(`SELECT email, name FROM recipients WHERE user_id = $1`, [user.id])).toEqual([{ email: user.email, name: null }]);
    const [mail] = await waitUntil('the welcome mail', () => mailsTo(user.email), (found) => found.length > 0, WAIT);
    expect(mail.Text.trim()).toBe('Hello there, welcome to EcoTrack.');
  });

  it('OrderConfirmed: exactly one email, naming the order and its total', async () => {
    const user = await registered();
    const orderId = randomUUID();
    const event = await produce(topics.order.events, { type: 'OrderConfirmed', aggregateId: orderId, payload: { orderId, userId: user.id, totalCents: 4250, currency: 'EUR' } });

    expect(await settled(event.id)).toMatchObject({ status: 'sent', template: 'order-confirmed', recipient: user.email, attempts: 1 });
    const confirmations = (await mailsTo(user.email)).filter((m) => m.Subject === 'Your order is confirmed');
    expect(confirmations).toHaveLength(1);
    expect(confirmations[0].Text.trim()).toBe(`Your order ${orderId} is confirmed: 42.50 EUR.`);
  });

  it('the same event produced 3 times (same envelope id): one notification row, one email; the 2 copies are counted as duplicates', async () => {
    const user = await registered();
    const orderId = randomUUID();
    const duplicatesBefore = await consumed('OrderConfirmed', 'duplicate');
    const event = await produce(topics.order.events, { type: 'OrderConfirmed', aggregateId: orderId, payload: { orderId, userId: user.id, totalCents: 100, currency: 'EUR' } }, 3);
    // A later event with the same key lands on the same partition after the three copies: once it
    // is handled, so are they.
    const after = await produce(topics.order.events, { type: 'OrderCancelled', aggregateId: orderId, payload: { orderId, userId: user.id } });
    await settled(after.id);

    expect(await consumed('OrderConfirmed', 'duplicate')).toBe(duplicatesBefore + 2);
    const rows = await rowsFor(event.id);
    expect(rows).toHaveLength(1);
    expect(await settled(event.id)).toMatchObject({ status: 'sent', attempts: 1 });
    const mails = await mailsTo(user.email);
    expect(mails.filter((m) => m.Subject === 'Your order is confirmed')).toHaveLength(1);
    expect(mails.filter((m) => m.Text.includes(orderId) && m.Subject === 'Your order is confirmed')).toHaveLength(1);
  });

  it('re-published after its inbox row is gone (pruned): the handler runs again, the unique source_event_id keeps it at one notification and one email', async () => {
    const user = await registered();
    const orderId = randomUUID();
    const draft = { type: 'OrderConfirmed' as const, aggregateId: orderId, payload: { orderId, userId: user.id, totalCents: 100, currency: 'EUR' } };
    const event = await produce(topics.order.events, draft);
    expect(await settled(event.id)).toMatchObject({ status: 'sent' });
    expect(await db.query(`DELETE FROM inbox WHERE message_id = $1 RETURNING message_id`, [event.id])).toEqual([[{ message_id: event.id }], 1]);

    const processedBefore = await consumed('OrderConfirmed', 'processed');
    await produce(topics.order.events, { ...draft, id: event.id, occurredAt: new Date(event.occurredAt) });
    await waitUntil('the re-published copy to be handled (inbox row written again)', async () => (await db.query(`SELECT 1 FROM inbox WHERE message_id = $1`, [event.id])).length > 0, Boolean, WAIT);
    expect(await consumed('OrderConfirmed', 'processed')).toBe(processedBefore + 1);
    await twoDispatcherPasses();

    expect(await rowsFor(event.id)).toHaveLength(1);
    expect((await mailsTo(user.email)).filter((m) => m.Subject === 'Your order is confirmed')).toHaveLength(1);
  });

  it('the same fact announced again under a new event id, its first notification gone (a database restored to an earlier point): no second email', async () => {
    const user = await registered();
    const orderId = randomUUID();
    const draft = { type: 'OrderConfirmed' as const, aggregateId: orderId, payload: { orderId, userId: user.id, totalCents: 100, currency: 'EUR' } };
    const first = await produce(topics.order.events, draft);
    expect(await settled(first.id)).toMatchObject({ status: 'sent' });
    // What a restore forgets: the notification and the inbox row; the saga confirms again, a new event.
    await db.query(`DELETE FROM notifications WHERE source_event_id = $1`, [first.id]);
    await db.query(`DELETE FROM inbox WHERE message_id = $1`, [first.id]);

    const again = await produce(topics.order.events, draft);
    expect(again.id).not.toBe(first.id);
    expect(await settled(again.id)).toMatchObject({ status: 'failed', failure_reason: `duplicate: order-confirmed:${orderId} was announced already` });
    await twoDispatcherPasses();
    expect((await mailsTo(user.email)).filter((m) => m.Subject === 'Your order is confirmed')).toHaveLength(1);
  });

  it('OrderRejected: the email names the reason (escaped in the HTML part)', async () => {
    const user = await registered();
    const orderId = randomUUID();
    const reason = 'payment declined: <insufficient funds> & "card expired"';
    const event = await produce(topics.order.events, { type: 'OrderRejected', aggregateId: orderId, payload: { orderId, userId: user.id, reason } });

    expect(await settled(event.id)).toMatchObject({ status: 'sent', template: 'order-rejected' });
    const [mail] = (await mailsTo(user.email)).filter((m) => m.Subject === 'Your order could not be completed');
    expect(mail.Text.trim()).toBe(`Your order ${orderId} could not be completed: ${reason}.`);
    expect(mail.HTML).toContain('payment declined: &lt;insufficient funds&gt; &amp; &quot;card expired&quot;');
  });

  it('PaymentCaptured: a receipt with the amount', async () => {
    const user = await registered();
    const [orderId, paymentId] = [randomUUID(), randomUUID()];
    const event = await produce(topics.payment.events, { type: 'PaymentCaptured', aggregateId: paymentId, payload: { orderId, paymentId, userId: user.id, amountCents: 123456, currency: 'EUR' } });

    expect(await settled(event.id)).toMatchObject({ status: 'sent', template: 'payment-receipt' });
    const receipts = (await mailsTo(user.email)).filter((m) => m.Subject === 'Payment receipt');
    expect(receipts).toHaveLength(1);
    expect(receipts[0].Text.trim()).toBe(`We received 1234.56 EUR (payment ${paymentId}).`);
  });

  it('OrderCancelled and PaymentRefunded: a cancellation and a refund notice', async () => {
    const user = await registered();
    const [orderId, paymentId] = [randomUUID(), randomUUID()];
    const cancelled = await produce(topics.order.events, { type: 'OrderCancelled', aggregateId: orderId, payload: { orderId, userId: user.id } });
    const refunded = await produce(topics.payment.events, { type: 'PaymentRefunded', aggregateId: paymentId, payload: { orderId, paymentId, userId: user.id, amountCents: 999, currency: 'USD' } });

    expect(await settled(cancelled.id)).toMatchObject({ status: 'sent', template: 'order-cancelled' });
    expect(await settled(refunded.id)).toMatchObject({ status: 'sent', template: 'payment-refunded' });
    const mails = await mailsTo(user.email);
    expect(mails.filter((m) => m.Subject === 'Your order is cancelled').map((m) => m.Text.trim())).toEqual([`Your order ${orderId} is cancelled.`]);
    expect(mails.filter((m) => m.Subject === 'Your refund').map((m) => m.Text.trim())).toEqual([`We refunded 9.99 USD for your order ${orderId} (payment ${paymentId}).`]);
  });

  it('an unknown user (no UserRegistered seen): recorded failed "no address on file", handled once, no retry, no dead letter, never dispatched', async () => {
    const userId = newUser().id;
    const orderId = randomUUID();
    const [retriedBefore, deadBefore] = [await consumed('OrderConfirmed', 'retried'), await consumed('OrderConfirmed', 'dead_lettered')];
    const event = await produce(topics.order.events, { type: 'OrderConfirmed', aggregateId: orderId, payload: { orderId, userId, totalCents: 100, currency: 'EUR' } });

    const notification = await settled(event.id);
    expect(notification).toMatchObject({ user_id: userId, status: 'failed', failure_reason: NO_ADDRESS_REASON, recipient: null, provider: null, attempts: 0 });
    expect(await db.query(`SELECT count(*)::int AS n FROM inbox WHERE message_id = $1`, [event.id])).toEqual([{ n: 1 }]);
    expect(await consumed('OrderConfirmed', 'retried')).toBe(retriedBefore);
    expect(await consumed('OrderConfirmed', 'dead_lettered')).toBe(deadBefore);
    await twoDispatcherPasses();
    expect(await row(notification.id)).toMatchObject({ status: 'failed', attempts: 0 });
    // Nothing announced for it either.
    expect(await db.query(`SELECT count(*)::int AS n FROM outbox WHERE message_key = $1`, [notification.id])).toEqual([{ n: 0 }]);
  });

  it('a user who opted out of email: both notifications recorded failed (opted-out; the sealed token not kept), none sent', async () => {
    const user = newUser();
    const token = await identity.token(['customer'], user.id);
    const put = await app.inject({
      method: 'PUT',
      url: '/v1/notification-preferences/me',
      payload: { email: false, sms: true, push: true },
      headers: { authorization: `Bearer ${token}` },
    });
    expect(put.statusCode).toBe(200);

    const { verification } = await registration(user, 'opted-out-token-0123456789');
    const orderId = randomUUID();
    const confirmed = await produce(topics.order.events, { type: 'OrderConfirmed', aggregateId: orderId, payload: { orderId, userId: user.id, totalCents: 100, currency: 'EUR' } });

    expect(await settled(verification.id)).toMatchObject({ status: 'failed', failure_reason: 'opted-out', recipient: user.email, attempts: 0, sealed_data: null });
    expect(await settled(confirmed.id)).toMatchObject({ status: 'failed', failure_reason: 'opted-out', attempts: 0 });
    await twoDispatcherPasses();
    expect(await mailsTo(user.email)).toEqual([]);
  });

  it('a provider call cut short by the end of its process (claim past its lease): failed as interrupted, never sent again (at most once)', async () => {
    const user = await registered();
    const [inserted] = await db.query(
      `INSERT INTO notifications (user_id, channel, template, status, recipient, provider, data, attempts, source_event_id, claim_id, claimed_until)
       VALUES ($1, 'email', 'order-cancelled', 'queued', $2, 'smtp', $3::jsonb, 1, $4, $5, now() - interval '1 second')
       RETURNING id`,
      [user.id, user.email, JSON.stringify({ orderId: randomUUID() }), randomUUID(), randomUUID()],
    );

    await waitUntil('the interrupted claim to be failed', async () => (await row(inserted.id)).status === 'failed', Boolean, WAIT);
    await twoDispatcherPasses();
    expect(await row(inserted.id)).toMatchObject({ status: 'failed', failure_reason: INTERRUPTED_REASON, attempts: 1 });
    expect((await mailsTo(user.email)).filter((m) => m.MessageID === `${inserted.id}@example.com`)).toEqual([]);
  });

  it('NotificationSent{notificationId, userId, channel, template} appears on notification.events for a sent notification', async () => {
    const user = await registered();
    const orderId = randomUUID();
    const event = await produce(topics.order.events, { type: 'OrderConfirmed', aggregateId: orderId, payload: { orderId, userId: user.id, totalCents: 100, currency: 'EUR' } });
    const notification = await settled(event.id);
    expect(notification.status).toBe('sent');

    const consumer = kafka.consumer({ groupId: `notification-events-test-${randomUUID()}` });
    consumers.push(consumer);
    const seen: { key: string | undefined; value: Envelope }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: topics.notification.events, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push({ key: message.key?.toString(), value: JSON.parse(message.value!.toString()) as Envelope });
      },
    });
    const announced = await waitUntil('NotificationSent on notification.events', async () =>
      seen.find((m) => m.value.type === 'NotificationSent' && (m.value.payload as { notificationId: string }).notificationId === notification.id), present, WAIT,
    );
    expect(announced.key).toBe(notification.id);
    expect(announced.value).toMatchObject({
      source: 'notification-service',
      aggregateId: notification.id,
      payload: { notificationId: notification.id, userId: user.id, channel: 'email', template: 'order-confirmed' },
    });
  }, 60_000);

  it('a crash between record and send: the row is recorded (queued) by an instance that never dispatches; a new instance sends it exactly once', async () => {
    const user = await registered();
    await app.close();

    // An instance that records but never sends: it stops with the notification committed and queued.
    const recorder = await startService({ NOTIFICATION_DISPATCH_ENABLED: 'false' });
    const orderId = randomUUID();
    const event = await produce(topics.order.events, { type: 'OrderConfirmed', aggregateId: orderId, payload: { orderId, userId: user.id, totalCents: 777, currency: 'EUR' } });
    const recorded = await waitUntil('the notification to be recorded', async () => (await rowsFor(event.id))[0], present, WAIT);
    expect(recorded).toMatchObject({ status: 'queued', attempts: 0, claim_id: null, recipient: user.email });
    expect(await db.query(`SELECT count(*)::int AS n FROM inbox WHERE message_id = $1`, [event.id])).toEqual([{ n: 1 }]);
    await recorder.close();
    expect((await mailsTo(user.email)).filter((m) => m.Subject === 'Your order is confirmed')).toEqual([]);

    app = await startService();
    expect(await settled(event.id)).toMatchObject({ id: recorded.id, status: 'sent', attempts: 1 });
    await twoDispatcherPasses();
    expect(await row(recorded.id)).toMatchObject({ status: 'sent', attempts: 1 });
    expect(await rowsFor(event.id)).toHaveLength(1);
    const confirmations = (await mailsTo(user.email)).filter((m) => m.Subject === 'Your order is confirmed');
    expect(confirmations).toHaveLength(1);
    expect(confirmations[0]).toMatchObject({ MessageID: `${recorded.id}@example.com` });
    expect(confirmations[0].Text).toContain(orderId);
  }, 90_000);
});
