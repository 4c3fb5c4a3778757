import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PROBLEM_CONTENT_TYPE } from '@ecotrack/platform';
import { startInProcess, startPrism, startTestIdentity, VENDOR_APIS, type TestIdentity, type VendorMock, waitUntil } from '@ecotrack/testing';
import { openBaoSecretSource } from '@ecotrack/secrets';
import { createSign, generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module';
import { notificationConfig } from '../src/config';
import { service } from '../src/service';

/**
 * notification-service in process (real PostgreSQL and Redis, real JWKS tokens) with both
 * adapters on Prism serving the vendors' specs. A pass-through front server before each Prism
 * counts the requests that reach the provider, so "not sent" is observed, not assumed.
 */
describe('notification-service HTTP API with SendGrid and Twilio on Prism', () => {
  let sendgrid: VendorMock;
  let twilio: VendorMock;
  const fronts: Server[] = [];
  const providerCalls = { sendgrid: 0, twilio: 0 };
  const twilioForms: URLSearchParams[] = [];
  /** Provider outage: the front answers 503 to this many upcoming requests (Infinity: all) without forwarding. */
  const outage = { sendgrid: 0, twilio: 0 };
  /** Provider refusal: the front answers 400 to this many upcoming requests without forwarding. */
  const refusal = { sendgrid: 0, twilio: 0 };
  const CALLBACK = 'https://notify.example.test/v1/notifications/webhooks/twilio';
  const AUTH_TOKEN = 'token';
  let app: NestFastifyApplication;
  let db: DataSource;
  let identity: TestIdentity;
  let admin: string;
  const userIds: string[] = [];
  /** Our stand-in for SendGrid's Event Webhook signing key pair: SendGrid holds the private key, we configure the public one. */
  const webhookKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });

  /** A pass-through to `upstream` that counts requests. */
  async function front(name: keyof typeof providerCalls, upstream: () => string): Promise<string> {
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        providerCalls[name] += 1;
        if (name === 'twilio') twilioForms.push(new URLSearchParams(body));
        if (refusal[name] > 0) {
          refusal[name] -= 1;
          response.writeHead(400, { 'content-type': 'application/json' }).end('{"code":21211,"message":"Invalid \'To\' Phone Number"}');
          return;
        }
        if (outage[name] > 0) {
          outage[name] -= 1;
          response.writeHead(503, { 'content-type': 'application/json' }).end('{"message":"Service Unavailable"}');
          return;
        }
        const headers = Object.fromEntries(Object.entries(request.headers).filter(([h]) => !['host', 'content-length', 'connection'].includes(h))) as Record<string, string>;
        fetch(`${upstream()}${request.url}`, { method: request.method, headers, body: body || undefined })
          .then(async (answer) => {
            response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
            response.end(await answer.text());
          })
          .catch((error: Error) => response.writeHead(502).end(error.message));
      });
    });
    fronts.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  }

  const user = () => {
    const id = randomUUID();
    userIds.push(id);
    return id;
  };
  const inject = (token: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: string) =>
    app.inject({ method, url, payload, headers: { authorization: `Bearer ${token}`, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) } });
  const rows = async () => Number((await db.query(`SELECT count(*)::int AS n FROM notifications`))[0].n);
  const smsBody = (userId: string) => ({ userId, channel: 'sms', template: 'order-confirmed', data: { orderId: 'o-1', totalCents: 1999, currency: 'EUR' }, to: '+15551234567' });
  const emailBody = (userId: string) => ({ userId, channel: 'email', template: 'welcome', data: { name: '<b>Ada</b>' }, to: 'ada@example.com' });
  const create = async (body: unknown) => {
    const response = await inject(admin, 'POST', '/v1/notifications', JSON.stringify(body));
    expect(response.statusCode).toBe(201);
    return response.json() as { id: string; status: string; providerMessageId: string | null; failureReason: string | null; attempts: number };
  };

  beforeAll(async () => {
    [sendgrid, twilio] = await Promise.all([
      startPrism(path.join(VENDOR_APIS, 'sendgrid/tsg_mail_v3.json')),
      startPrism(path.join(VENDOR_APIS, 'twilio/twilio_api_v2010.json')),
    ]);
    identity = await startTestIdentity(process.env.REDIS_URL!);
    const env = {
      JWT_JWKS_URL: identity.jwksUrl,
      SENDGRID_API_BASE: await front('sendgrid', () => sendgrid.baseUrl),
      SENDGRID_API_KEY: 'SG.test',
      SENDGRID_WEBHOOK_PUBLIC_KEY: webhookKeys.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
      EMAIL_FROM: 'noreply@example.com',
      TWILIO_API_BASE: await front('twilio', () => twilio.baseUrl),
      TWILIO_ACCOUNT_SID: `AC${'0123456789abcdef'.repeat(2)}`,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      TWILIO_STATUS_CALLBACK_URL: CALLBACK,
      SMS_FROM: '+15005550006',
      NOTIFICATION_MAX_ATTEMPTS: '3',
      NOTIFICATION_RETRY_BASE_MS: '40',
      NOTIFICATION_RETRY_POLL_MS: '20',
      // Not about domain events: other suites' events on the shared topics must not reach this suite's providers.
      NOTIFICATION_EVENTS_ENABLED: 'false',
    };
    app = await startInProcess({ ...service, module: AppModule, config: notificationConfig(env), secrets: openBaoSecretSource }, process.env as Record<string, string>, env);
    db = app.get(DataSource);
    admin = await identity.token(['admin']);
  }, 5 * 60_000);
  afterAll(async () => {
    await db?.query(`DELETE FROM notifications WHERE user_id = ANY($1::uuid[])`, [userIds]);
    await db?.query(`DELETE FROM notification_preferences WHERE user_id = ANY($1::uuid[])`, [userIds]);
    await app?.close();
    await identity?.close();
    await Promise.all([sendgrid?.stop(), twilio?.stop()]);
    await Promise.all(fronts.map((server) => new Promise((resolve) => server.close(resolve))));
  });

  it('sms: queued → sent through Twilio with the provider message id stored; the owner reads its status', async () => {
    const owner = user();
    const before = providerCalls.twilio;
    const created = await create(smsBody(owner));
    expect(created).toMatchObject({ status: 'sent', provider: 'twilio', providerMessageId: expect.stringMatching(/^SM[0-9a-f]{32}$/), failureReason: null });
    expect(providerCalls.twilio).toBe(before + 1);
    const [row] = await db.query(`SELECT status, provider_message_id, recipient FROM notifications WHERE id = $1`, [created.id]);
    expect(row).toEqual({ status: 'sent', provider_message_id: created.providerMessageId, recipient: '+15551234567' });

    const ownerToken = await identity.token(['customer'], owner);
    const read = await inject(ownerToken, 'GET', `/v1/notifications/${created.id}`);
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ id: created.id, status: 'sent', userId: owner });
    const mine = await inject(ownerToken, 'GET', '/v1/notifications');
    expect(mine.json().items.map((n: { id: string }) => n.id)).toEqual([created.id]);
  });

  it('email: sent through SendGrid (Prism gives no X-Message-Id, so the id is null)', async () => {
    const before = providerCalls.sendgrid;
    expect(await create(emailBody(user()))).toMatchObject({ status: 'sent', provider: 'sendgrid', failureReason: null });
    expect(providerCalls.sendgrid).toBe(before + 1);
  });

  it("another user's notification is a 404 problem (as if it did not exist); an admin reads it", async () => {
    const created = await create(smsBody(user()));
    const stranger = await identity.token(['customer'], user());
    const response = await inject(stranger, 'GET', `/v1/notifications/${created.id}`);
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect((await inject(stranger, 'GET', '/v1/notifications')).json().items).toEqual([]);
    expect((await inject(admin, 'GET', `/v1/notifications/${created.id}`)).statusCode).toBe(200);
  });

  it('opted out of sms: recorded as failed/opted-out and the provider is never called; email still goes', async () => {
    const owner = user();
    const ownerToken = await identity.token(['customer'], owner);
    expect((await inject(ownerToken, 'GET', '/v1/notification-preferences/me')).json()).toEqual({ email: true, sms: true, push: true });
    const put = await inject(ownerToken, 'PUT', '/v1/notification-preferences/me', JSON.stringify({ email: true, sms: false, push: true }));
    expect(put.json()).toEqual({ email: true, sms: false, push: true });

    const before = { ...providerCalls };
    expect(await create(smsBody(owner))).toMatchObject({ status: 'failed', failureReason: 'opted-out', provider: null, providerMessageId: null });
    expect(providerCalls.twilio).toBe(before.twilio);
    expect(await create(emailBody(owner))).toMatchObject({ status: 'sent' });
    expect(providerCalls.sendgrid).toBe(before.sendgrid + 1);
  });

  it('push has no provider configured (no VAPID keys): 422 problem+json, nothing written; the VAPID key route is 404 (not offered here; no 5xx)', async () => {
    const before = await rows();
    const { to: _to, ...pushBody } = { ...emailBody(user()), channel: 'push' };
    const response = await inject(admin, 'POST', '/v1/notifications', JSON.stringify(pushBody));
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({ type: 'urn:ecotrack:problem:channel-unavailable', channel: 'push' });
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(await rows()).toBe(before);
    const key = await app.inject({ method: 'GET', url: '/v1/notifications/push/vapid-public-key' });
    expect(key.statusCode).toBe(404);
    expect(key.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
  });

  it('sending is admin only (403)', async () => {
    const customer = await identity.token(['customer']);
    expect((await inject(customer, 'POST', '/v1/notifications', JSON.stringify(smsBody(user())))).statusCode).toBe(403);
  });

  it.each([
    ['missing userId', () => JSON.stringify({ ...smsBody(randomUUID()), userId: undefined }), 'userId'],
    ['missing to', () => JSON.stringify({ ...smsBody(randomUUID()), to: undefined }), 'to'],
    ['an unknown field', () => JSON.stringify({ ...smsBody(randomUUID()), priority: 'high' }), 'priority'],
    ['an unknown channel', () => JSON.stringify({ ...smsBody(randomUUID()), channel: 'fax' }), 'channel'],
    ['an unknown template', () => JSON.stringify({ ...smsBody(randomUUID()), template: 'lottery-win' }), 'template'],
    ['data of the wrong type', () => JSON.stringify({ ...smsBody(randomUUID()), data: 'x' }), 'data'],
    ['userId of the wrong type', () => JSON.stringify({ ...smsBody(randomUUID()), userId: 42 }), 'userId'],
    ['a template field of the wrong type', () => JSON.stringify({ ...smsBody(randomUUID()), data: { orderId: 'o-1', totalCents: '19.99', currency: 'EUR' } }), 'data.totalCents'],
    ['a template field missing', () => JSON.stringify({ ...emailBody(randomUUID()), data: {} }), 'data.name'],
    ['a field the template does not have', () => JSON.stringify({ ...emailBody(randomUUID()), data: { name: 'Ada', admin: true } }), 'data.admin'],
    ['an sms recipient that is not E.164', () => JSON.stringify({ ...smsBody(randomUUID()), to: '0555 123' }), 'to'],
    ['an email recipient that is not an address', () => JSON.stringify({ ...emailBody(randomUUID()), to: 'ada' }), 'to'],
    ['a recipient for channel push (it goes to the push subscriptions)', () => JSON.stringify({ ...emailBody(randomUUID()), channel: 'push', to: 'device-1' }), 'to'],
    ['malformed JSON', () => '{"userId": ', undefined],
  ])('%s: 400 problem+json, zero rows written, provider not called', async (_case, payload, field) => {
    const [before, calls] = [await rows(), { ...providerCalls }];
    const response = await inject(admin, 'POST', '/v1/notifications', payload());
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    if (field) expect(response.json().errors).toEqual([expect.objectContaining({ field })]);
    expect(await rows()).toBe(before);
    expect(providerCalls).toEqual(calls);
  });

  it.each([
    ['a missing channel', JSON.stringify({ email: true, sms: false })],
    ['a string for a boolean', JSON.stringify({ email: 'true', sms: true, push: true })],
    ['an unknown channel', JSON.stringify({ email: true, sms: true, push: true, fax: true })],
  ])('preferences with %s: 400 problem+json, unchanged', async (_case, payload) => {
    const token = await identity.token(['customer'], user());
    const response = await inject(token, 'PUT', '/v1/notification-preferences/me', payload);
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect((await inject(token, 'GET', '/v1/notification-preferences/me')).json()).toEqual({ email: true, sms: true, push: true });
  });

  describe('Twilio status callbacks (signed with the twilio SDK, not with our code)', () => {
    const callback = (notificationId: string, params: Record<string, string>, signature?: string) => {
      const url = `${CALLBACK}?notificationId=${notificationId}`;
      return app.inject({
        method: 'POST',
        url: `/v1/notifications/webhooks/twilio?notificationId=${notificationId}`,
        payload: new URLSearchParams(params).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature ?? getExpectedTwilioSignature(AUTH_TOKEN, url, params) },
      });
    };
    const status = async (id: string) => (await inject(admin, 'GET', `/v1/notifications/${id}`)).json() as { status: string; failureReason: string | null };
    const report = (sid: string, MessageStatus: string, extra: Record<string, string> = {}) => ({
      AccountSid: `AC${'0123456789abcdef'.repeat(2)}`,
      MessageSid: sid,
      SmsSid: sid,
      MessageStatus,
      ...extra,
    });

    it('the send told Twilio (and Prism accepted) a StatusCallback naming the notification', async () => {
      const created = await create(smsBody(user()));
      expect(twilioForms.at(-1)?.get('StatusCallback')).toBe(`${CALLBACK}?notificationId=${created.id}`);
    });

    it('sent → delivered; a late "sent" report does not move it back', async () => {
      const created = await create(smsBody(user()));
      expect((await callback(created.id, report(created.providerMessageId!, 'delivered'))).statusCode).toBe(204);
      expect(await status(created.id)).toMatchObject({ status: 'delivered' });
      expect((await callback(created.id, report(created.providerMessageId!, 'sent'))).statusCode).toBe(204);
      expect((await callback(created.id, report(created.providerMessageId!, 'undelivered'))).statusCode).toBe(204);
      expect(await status(created.id)).toMatchObject({ status: 'delivered' });
    });

    it('undelivered → failed with the error code', async () => {
      const created = await create(smsBody(user()));
      expect((await callback(created.id, report(created.providerMessageId!, 'undelivered', { ErrorCode: '30003' }))).statusCode).toBe(204);
      expect(await status(created.id)).toEqual(expect.objectContaining({ status: 'failed', failureReason: 'undelivered: error 30003' }));
    });

    it('a forged or replayed callback is refused (403) and changes nothing', async () => {
      const created = await create(smsBody(user()));
      const other = await create(smsBody(user()));
      const params = report(created.providerMessageId!, 'undelivered');
      expect((await callback(created.id, params, 'bm90IGEgc2lnbmF0dXJl')).statusCode).toBe(403);
      const wrongKey = getExpectedTwilioSignature('another-token', `${CALLBACK}?notificationId=${created.id}`, params);
      expect((await callback(created.id, params, wrongKey)).statusCode).toBe(403);
      // Signed for one notification, posted for another.
      const signedForOther = getExpectedTwilioSignature(AUTH_TOKEN, `${CALLBACK}?notificationId=${other.id}`, params);
      expect((await callback(created.id, params, signedForOther)).statusCode).toBe(403);
      expect((await callback(created.id, { ...params, MessageStatus: 'delivered' }, getExpectedTwilioSignature(AUTH_TOKEN, `${CALLBACK}?notificationId=${created.id}`, params))).statusCode).toBe(403);
      expect(await status(created.id)).toMatchObject({ status: 'sent' });
      expect(await status(other.id)).toMatchObject({ status: 'sent' });
    });

    it('a callback without notificationId or MessageStatus is a 400 problem', async () => {
      const response = await callback(randomUUID(), { MessageSid: 'SM1' });
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    });
  });

  describe('SendGrid Event Webhook (signed here as SendGrid signs: ECDSA P-256 over timestamp + raw body)', () => {
    const URL_PATH = '/v1/notifications/webhooks/sendgrid';
    const now = () => String(Math.floor(Date.now() / 1000));
    /** What SendGrid sends: base64 of the DER ECDSA/SHA-256 signature of the timestamp header followed by the body bytes. */
    const sign = (timestamp: string, body: string, key = webhookKeys.privateKey) => createSign('sha256').update(timestamp + body).sign(key).toString('base64');
    /** SendGrid separates events with CRLF and ends with one; the bytes are signed as they are. */
    const batch = (events: object[]) => `[${events.map((e) => JSON.stringify(e)).join(',\r\n')}]\r\n`;
    const post = (body: string, options: { timestamp?: string; signature?: string | null } = {}) => {
      const timestamp = options.timestamp ?? now();
      const headers: Record<string, string> = { 'content-type': 'application/json', 'x-twilio-email-event-webhook-timestamp': timestamp };
      if (options.signature !== null) headers['x-twilio-email-event-webhook-signature'] = options.signature ?? sign(timestamp, body);
      return app.inject({ method: 'POST', url: URL_PATH, payload: body, headers });
    };
    let seq = 0;
    const sgEvent = (notificationId: string | undefined, event: string, extra: Record<string, unknown> = {}) => ({
      email: 'ada@example.com',
      timestamp: Math.floor(Date.now() / 1000),
      event,
      sg_event_id: `ev-${randomUUID()}-${seq++}`,
      sg_message_id: 'WFJfiIwBQauyYS5-BnmWIw.recvd-1',
      ...(notificationId ? { notification_id: notificationId } : {}),
      ...extra,
    });
    const row = async (id: string) =>
      (await db.query(`SELECT status, failure_reason, updated_at FROM notifications WHERE id = $1`, [id]))[0] as { status: string; failure_reason: string | null; updated_at: Date };
    const eventRows = async (notificationId: string) => Number((await db.query(`SELECT count(*)::int AS n FROM sendgrid_events WHERE notification_id = $1`, [notificationId]))[0].n);
    const allEventRows = async () => Number((await db.query(`SELECT count(*)::int AS n FROM sendgrid_events`))[0].n);

    it('processed then delivered → delivered; processed changes nothing; the event is recorded once', async () => {
      const created = await create(emailBody(user()));
      expect(created.status).toBe('sent');
      const response = await post(batch([sgEvent(created.id, 'processed'), sgEvent(created.id, 'delivered', { response: '250 OK' })]));
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ recorded: 1, duplicates: 0, ignored: 1 });
      expect(await row(created.id)).toMatchObject({ status: 'delivered' });
      expect(await eventRows(created.id)).toBe(1);
    });

    it('bounce → failed with the reason; a later delivered or deferred event does not move it back', async () => {
      const created = await create(emailBody(user()));
      const bounced = await post(batch([sgEvent(created.id, 'bounce', { type: 'bounce', reason: '550 5.1.1 The email account does not exist' })]));
      expect(bounced.json()).toEqual({ recorded: 1, duplicates: 0, ignored: 0 });
      expect(await row(created.id)).toMatchObject({ status: 'failed', failure_reason: 'bounce: 550 5.1.1 The email account does not exist' });
      expect((await post(batch([sgEvent(created.id, 'delivered'), sgEvent(created.id, 'deferred')]))).statusCode).toBe(200);
      expect(await row(created.id)).toMatchObject({ status: 'failed', failure_reason: 'bounce: 550 5.1.1 The email account does not exist' });
    });

    it('dropped → failed with the reason', async () => {
      const created = await create(emailBody(user()));
      expect((await post(batch([sgEvent(created.id, 'dropped', { reason: 'Bounced Address' })]))).statusCode).toBe(200);
      expect(await row(created.id)).toMatchObject({ status: 'failed', failure_reason: 'dropped: Bounced Address' });
    });

    it('the same post delivered twice (same sg_event_id): 200 both times, the second has no effect', async () => {
      const created = await create(emailBody(user()));
      const body = batch([sgEvent(created.id, 'delivered')]);
      expect((await post(body)).json()).toEqual({ recorded: 1, duplicates: 0, ignored: 0 });
      const first = await row(created.id);
      const again = await post(body);
      expect(again.statusCode).toBe(200);
      expect(again.json()).toEqual({ recorded: 0, duplicates: 1, ignored: 0 });
      expect(await row(created.id)).toEqual(first);
      expect(await eventRows(created.id)).toBe(1);
    });

    it('a tampered body, a signature by another key, or no signature: 400 problem naming the header, nothing written', async () => {
      const created = await create(emailBody(user()));
      const before = await allEventRows();
      const timestamp = now();
      const signed = batch([sgEvent(created.id, 'delivered')]);
      const tampered = signed.replace('"delivered"', '"bounce"');
      const cases = [
        await post(tampered, { timestamp, signature: sign(timestamp, signed) }),
        await post(signed, { timestamp, signature: sign(timestamp, signed, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey) }),
        // Signed for another moment: the timestamp is part of what is signed.
        await post(signed, { timestamp, signature: sign(String(Number(timestamp) - 1), signed) }),
        await post(signed, { timestamp, signature: 'bm90IGEgc2lnbmF0dXJl' }),
        await post(signed, { signature: null }),
      ];
      for (const response of cases) {
        expect(response.statusCode).toBe(400);
        expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
        expect(response.json().errors).toEqual([expect.objectContaining({ field: 'X-Twilio-Email-Event-Webhook-Signature' })]);
      }
      expect(await row(created.id)).toMatchObject({ status: 'sent' });
      expect(await allEventRows()).toBe(before);
    });

    it('a stale (or future) timestamp, correctly signed: 400 naming the timestamp header, nothing written', async () => {
      const created = await create(emailBody(user()));
      const body = batch([sgEvent(created.id, 'delivered')]);
      for (const timestamp of [String(Math.floor(Date.now() / 1000) - 301), String(Math.floor(Date.now() / 1000) + 301), 'yesterday']) {
        const response = await post(body, { timestamp });
        expect(response.statusCode).toBe(400);
        expect(response.json().errors).toEqual([expect.objectContaining({ field: 'X-Twilio-Email-Event-Webhook-Timestamp' })]);
      }
      expect(await row(created.id)).toMatchObject({ status: 'sent' });
      expect(await eventRows(created.id)).toBe(0);
    });

    it('an unknown notification id, none at all, or one sent by Twilio: 200, ignored, nothing written', async () => {
      const sms = await create(smsBody(user()));
      const before = await allEventRows();
      const response = await post(batch([sgEvent(randomUUID(), 'delivered'), sgEvent(undefined, 'delivered'), sgEvent('not-a-uuid', 'bounce'), sgEvent(sms.id, 'delivered')]));
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ recorded: 0, duplicates: 0, ignored: 4 });
      expect(await allEventRows()).toBe(before);
      expect(await row(sms.id)).toMatchObject({ status: 'sent' });
    });

    it('a signed body that is not an array of events with event and sg_event_id: 400 naming the field, nothing written (not even the good event)', async () => {
      const created = await create(emailBody(user()));
      const { sg_event_id: _id, ...withoutId } = sgEvent(created.id, 'bounce');
      const response = await post(batch([sgEvent(created.id, 'delivered'), withoutId]));
      expect(response.statusCode).toBe(400);
      expect(response.json().errors).toEqual([expect.objectContaining({ field: '[1].sg_event_id' })]);
      const notArray = await post(JSON.stringify({ event: 'delivered' }));
      expect(notArray.statusCode).toBe(400);
      expect(notArray.json().errors).toEqual([expect.objectContaining({ field: 'body' })]);
      expect(await row(created.id)).toMatchObject({ status: 'sent' });
      expect(await eventRows(created.id)).toBe(0);
    });
  });

  describe('retries, due in PostgreSQL, with backoff', () => {
    // Retries are due after a backoff: wait for the outcome with a deadline a busy machine cannot overrun.
    const settle = (id: string) =>
      waitUntil(
        `notification ${id} to leave queued`,
        async () => (await inject(admin, 'GET', `/v1/notifications/${id}`)).json() as { status: string; attempts: number; failureReason: string | null; providerMessageId: string | null },
        (row) => row.status !== 'queued',
        { timeoutMs: 20_000, intervalMs: 50 },
      );
    afterEach(() => {
      outage.twilio = 0;
      outage.sendgrid = 0;
    });

    it('a provider 503 leaves it queued (attempt 1), then a retry sends it: 3 provider calls, sent with the id', async () => {
      outage.twilio = 2;
      const before = providerCalls.twilio;
      const created = await create(smsBody(user()));
      expect(created).toMatchObject({ status: 'queued', attempts: 1, failureReason: expect.stringMatching(/^unavailable: twilio: .*HTTP 503/) });
      expect(await settle(created.id)).toMatchObject({ status: 'sent', attempts: 3, failureReason: null, providerMessageId: expect.stringMatching(/^SM/) });
      expect(providerCalls.twilio).toBe(before + 3);
    });

    it('still unavailable after NOTIFICATION_MAX_ATTEMPTS (3) calls: failed with the last error, no further calls', async () => {
      outage.sendgrid = Infinity;
      const before = providerCalls.sendgrid;
      const created = await create(emailBody(user()));
      expect(await settle(created.id)).toMatchObject({ status: 'failed', attempts: 3, failureReason: expect.stringMatching(/^unavailable: sendgrid: .*HTTP 503/) });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(providerCalls.sendgrid).toBe(before + 3);
    });

    it('a provider refusal (a 400 from the front server) fails at once and is never retried', async () => {
      refusal.twilio = 1;
      const before = providerCalls.twilio;
      const created = await create(smsBody(user()));
      expect(created).toMatchObject({ status: 'failed', attempts: 1, failureReason: expect.stringMatching(/^rejected: twilio: .*HTTP 400/) });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(providerCalls.twilio).toBe(before + 1);
      expect((await inject(admin, 'GET', `/v1/notifications/${created.id}`)).json()).toMatchObject({ status: 'failed', attempts: 1 });
    });
  });
});
