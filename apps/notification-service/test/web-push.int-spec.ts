import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PROBLEM_CONTENT_TYPE } from '@ecotrack/platform';
import { startInProcess, startTestIdentity, type TestIdentity, waitUntil } from '@ecotrack/testing';
import { openBaoSecretSource } from '@ecotrack/secrets';
import { createECDH, randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module';
import { notificationConfig } from '../src/config';
import { service } from '../src/service';
import { decryptAes128gcm, TestPushService, vapidProblem, type TestSubscription } from './push-service';

interface NotificationBody {
  id: string;
  status: string;
  provider: string | null;
  failureReason: string | null;
  attempts: number;
}

/**
 * Web Push end to end: notification-service in process (real PostgreSQL, Redis, JWKS tokens)
 * sends to a local push service that checks what a real one checks, the VAPID JWT (RFC 8292),
 * and decrypts the aes128gcm body (RFC 8291) with keys only the "browser" (this test) holds.
 */
describe('notification-service Web Push with VAPID against a protocol-checking push service', () => {
  let app: NestFastifyApplication;
  let db: DataSource;
  let identity: TestIdentity;
  let admin: string;
  const userIds: string[] = [];
  const vapid = createECDH('prime256v1');
  vapid.generateKeys();
  const VAPID_PUBLIC_KEY = vapid.getPublicKey().toString('base64url');
  const push = new TestPushService(() => VAPID_PUBLIC_KEY);

  const user = async () => {
    const id = randomUUID();
    userIds.push(id);
    return { id, token: await identity.token(['customer'], id) };
  };
  const inject = (token: string | undefined, method: 'GET' | 'POST' | 'DELETE' | 'PUT', url: string, payload?: unknown) =>
    app.inject({ method, url, payload: payload === undefined ? undefined : JSON.stringify(payload), headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(payload === undefined ? {} : { 'content-type': 'application/json' }) } });
  const register = async (token: string, subscription: TestSubscription) => {
    const response = await inject(token, 'POST', '/v1/notifications/push-subscriptions', subscription.json);
    expect(response.statusCode).toBe(201);
    return response.json() as { id: string; endpoint: string; createdAt: string };
  };
  const subscribed = async (userToken: string) => {
    const subscription = push.subscribe();
    return { subscription, id: (await register(userToken, subscription)).id };
  };
  const notify = async (userId: string) => {
    const response = await inject(admin, 'POST', '/v1/notifications', { userId, channel: 'push', template: 'order-confirmed', data: { orderId: 'o-1', totalCents: 1999, currency: 'EUR' } });
    expect(response.statusCode).toBe(201);
    return response.json() as NotificationBody;
  };
  const read = async (id: string) => (await inject(admin, 'GET', `/v1/notifications/${id}`)).json() as NotificationBody;
  // Retries are due after a backoff: wait for the outcome with a deadline a busy machine cannot overrun.
  const settle = (id: string) => waitUntil(`notification ${id} to leave queued`, () => read(id), (row) => row.status !== 'queued', { timeoutMs: 20_000, intervalMs: 50 });
  const subscriptionRows = async (userId: string) =>
    ((await db.query(`SELECT id, endpoint FROM push_subscriptions WHERE user_id = $1 ORDER BY created_at`, [userId])) as { id: string; endpoint: string }[]).map((r) => r.id);
  const allSubscriptionRows = async () => Number((await db.query(`SELECT count(*)::int AS n FROM push_subscriptions`))[0].n);
  const expectedPayload = (notificationId: string) => ({
    notificationId,
    template: 'order-confirmed',
    title: 'Your order is confirmed',
    body: 'Your order o-1 is confirmed: 19.99 EUR.',
  });

  beforeAll(async () => {
    await push.start();
    identity = await startTestIdentity(process.env.REDIS_URL!);
    const env = {
      NODE_ENV: 'test',
      JWT_JWKS_URL: identity.jwksUrl,
      VAPID_PUBLIC_KEY,
      VAPID_PRIVATE_KEY: vapid.getPrivateKey().toString('base64url'),
      VAPID_SUBJECT: 'mailto:ops@example.com',
      NOTIFICATION_MAX_ATTEMPTS: '3',
      NOTIFICATION_RETRY_BASE_MS: '100',
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
    await db?.query(`DELETE FROM push_subscriptions WHERE user_id = ANY($1::uuid[])`, [userIds]);
    await db?.query(`DELETE FROM notification_preferences WHERE user_id = ANY($1::uuid[])`, [userIds]);
    await app?.close();
    await identity?.close();
    await push.stop();
  });
  afterEach(() => expect(push.violations).toEqual([]));

  it('GET /v1/notifications/push/vapid-public-key needs no token and gives the key browsers subscribe with', async () => {
    const response = await inject(undefined, 'GET', '/v1/notifications/push/vapid-public-key');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ publicKey: VAPID_PUBLIC_KEY });
  });

  it("to each of the user's browsers, VAPID-signed and encrypted for each: the decrypted payload is the notification; another user's browser gets nothing", async () => {
    const ada = await user();
    const [laptop, phone] = [await subscribed(ada.token), await subscribed(ada.token)];
    const stranger = await subscribed((await user()).token);

    const created = await notify(ada.id);
    expect(created).toMatchObject({ status: 'sent', provider: 'webpush', failureReason: null, attempts: 1 });
    for (const { subscription } of [laptop, phone]) {
      const [message] = push.for(subscription);
      expect(push.for(subscription)).toHaveLength(1);
      expect(JSON.parse(message.plaintext)).toEqual(expectedPayload(created.id));
      expect(message.headers).toMatchObject({ 'content-encoding': 'aes128gcm', ttl: '86400', urgency: 'normal' });
    }
    expect(push.for(stranger.subscription)).toEqual([]);
  });

  it('the push service is not a yes-man: a flipped byte, the wrong auth secret, another signing key or another audience are all refused', async () => {
    const ada = await user();
    const { subscription } = await subscribed(ada.token);
    await notify(ada.id);
    const [message] = push.for(subscription);
    expect(push.check('POST', message.headers, message.body, subscription)).toEqual({ plaintext: message.plaintext });

    const flipped = Buffer.from(message.body);
    flipped[flipped.length - 20] ^= 1;
    expect(() => decryptAes128gcm(flipped, subscription.ecdh, subscription.authSecret)).toThrow();
    expect(() => decryptAes128gcm(message.body, subscription.ecdh, randomBytes(16))).toThrow();
    const otherBrowser = createECDH('prime256v1');
    otherBrowser.generateKeys();
    expect(() => decryptAes128gcm(message.body, otherBrowser, subscription.authSecret)).toThrow();

    const authorization = message.headers.authorization!;
    expect(vapidProblem(authorization, VAPID_PUBLIC_KEY, push.origin)).toBeUndefined();
    expect(vapidProblem(authorization, VAPID_PUBLIC_KEY, 'https://fcm.googleapis.com')).toMatch(/^aud /);
    const otherKey = createECDH('prime256v1');
    otherKey.generateKeys();
    const otherK = otherKey.getPublicKey().toString('base64url');
    expect(vapidProblem(authorization.replace(/k=[\w-]+$/, `k=${otherK}`), otherK, push.origin)).toBe('JWT signature does not verify with k');
    expect(vapidProblem(authorization, VAPID_PUBLIC_KEY, push.origin, Date.now() / 1000 + 25 * 3_600)).toMatch(/^exp /);
  });

  it('a subscription answering 410 (expired) is deleted and the notification fails; with another browser still there, it is sent', async () => {
    const ada = await user();
    const { subscription, id } = await subscribed(ada.token);
    expect(await subscriptionRows(ada.id)).toEqual([id]);
    push.answer(subscription, 410);
    const created = await notify(ada.id);
    expect(created).toMatchObject({ status: 'failed', attempts: 1, failureReason: expect.stringMatching(/^rejected: webpush: the push subscription failed: .*HTTP 410/) });
    expect(await subscriptionRows(ada.id)).toEqual([]);

    const bob = await user();
    const [gone, alive] = [await subscribed(bob.token), await subscribed(bob.token)];
    push.answer(gone.subscription, 404);
    expect(await notify(bob.id)).toMatchObject({ status: 'sent' });
    expect(await subscriptionRows(bob.id)).toEqual([alive.id]);
    expect(push.for(alive.subscription)).toHaveLength(1);
  });

  it.each([503, 429])('a push service answering %i: queued for a retry (unavailable), then sent; the browser gets it once', async (status) => {
    const ada = await user();
    const { subscription } = await subscribed(ada.token);
    push.answer(subscription, status);
    const created = await notify(ada.id);
    expect(created).toMatchObject({ status: 'queued', attempts: 1, failureReason: expect.stringMatching(new RegExp(`^unavailable: webpush: .*HTTP ${status}`)) });
    expect(await settle(created.id)).toMatchObject({ status: 'sent', attempts: 2, failureReason: null });
    expect(push.for(subscription).map((m) => JSON.parse(m.plaintext))).toEqual([expectedPayload(created.id)]);
    expect(await subscriptionRows(ada.id)).toHaveLength(1);
  });

  it.each([400, 403, 413])('any other refusal (%i): failed at once as rejected, never retried, the subscription kept', async (status) => {
    const ada = await user();
    const { subscription } = await subscribed(ada.token);
    push.answer(subscription, status, status, status);
    const created = await notify(ada.id);
    expect(created).toMatchObject({ status: 'failed', attempts: 1, failureReason: expect.stringMatching(new RegExp(`^rejected: webpush: .*HTTP ${status}`)) });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await read(created.id)).toMatchObject({ status: 'failed', attempts: 1 });
    expect(await subscriptionRows(ada.id)).toHaveLength(1);
  });

  it('a user without subscriptions: failed (nothing to send to); opted out of push: failed/opted-out, no push service called', async () => {
    const ada = await user();
    expect(await notify(ada.id)).toMatchObject({ status: 'failed', failureReason: 'rejected: webpush: the user has no push subscriptions' });

    const bob = await user();
    const { subscription } = await subscribed(bob.token);
    expect((await inject(bob.token, 'PUT', '/v1/notification-preferences/me', { email: true, sms: true, push: false })).statusCode).toBe(200);
    expect(await notify(bob.id)).toMatchObject({ status: 'failed', failureReason: 'opted-out', provider: null });
    expect(push.for(subscription)).toEqual([]);
  });

  it('DELETE: the owner removes their own (204); someone else gets 404 problem+json and it stays; a non-UUID id is 400', async () => {
    const [ada, eve] = [await user(), await user()];
    const { id } = await subscribed(ada.token);
    const stranger = await inject(eve.token, 'DELETE', `/v1/notifications/push-subscriptions/${id}`);
    expect(stranger.statusCode).toBe(404);
    expect(stranger.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(await subscriptionRows(ada.id)).toEqual([id]);
    expect((await inject(eve.token, 'DELETE', '/v1/notifications/push-subscriptions/not-a-uuid')).statusCode).toBe(400);
    expect((await inject(ada.token, 'DELETE', `/v1/notifications/push-subscriptions/${id}`)).statusCode).toBe(204);
    expect(await subscriptionRows(ada.id)).toEqual([]);
    expect((await inject(ada.token, 'DELETE', `/v1/notifications/push-subscriptions/${id}`)).statusCode).toBe(404);
  });

  it("registering needs a token (401); another user's endpoint does not move (409 problem+json, nothing changes, its owner still deletes it); the owner's browser again takes new keys", async () => {
    expect((await inject(undefined, 'POST', '/v1/notifications/push-subscriptions', push.subscribe().json)).statusCode).toBe(401);
    const [ada, eve] = [await user(), await user()];
    const { subscription, id } = await subscribed(ada.token);
    const stored = async () => (await db.query(`SELECT user_id, p256dh, auth, created_at FROM push_subscriptions WHERE id = $1`, [id]))[0];
    const before = await stored();

    // Eve knows the endpoint (with her own keys, or even with Ada's): it stays Ada's, untouched.
    const eveKeys = push.subscribe().json.keys;
    for (const body of [{ ...subscription.json, keys: eveKeys }, subscription.json]) {
      const taken = await inject(eve.token, 'POST', '/v1/notifications/push-subscriptions', body);
      expect(taken.statusCode).toBe(409);
      expect(taken.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      expect(taken.json()).toMatchObject({ status: 409, type: 'urn:ecotrack:problem:push-endpoint-taken' });
    }
    expect(await stored()).toEqual(before);
    expect(await subscriptionRows(eve.id)).toEqual([]);
    // Ada's notifications still reach her browser, with her keys.
    const sent = await settle((await notify(ada.id)).id);
    expect(sent.status).toBe('sent');
    expect(push.for(subscription).map((m) => (JSON.parse(m.plaintext) as { notificationId: string }).notificationId)).toContain(sent.id);

    // The same user registering the same endpoint again (the browser re-subscribed): same row, new keys.
    const renewed = { ...subscription.json, keys: push.subscribe().json.keys };
    const again = await register(ada.token, { ...subscription, json: renewed });
    expect(again.id).toBe(id);
    expect(await stored()).toMatchObject({ user_id: ada.id, p256dh: renewed.keys.p256dh, auth: renewed.keys.auth });

    // Once Ada deletes it, Eve may register that endpoint.
    expect((await inject(ada.token, 'DELETE', `/v1/notifications/push-subscriptions/${id}`)).statusCode).toBe(204);
    expect((await inject(eve.token, 'POST', '/v1/notifications/push-subscriptions', subscription.json)).statusCode).toBe(201);
    expect(await subscriptionRows(eve.id)).toHaveLength(1);
  });

  it('/docs/openapi.json documents the new routes, with request examples and problem+json error examples', async () => {
    const doc = (await inject(undefined, 'GET', '/docs/openapi.json')).json() as {
      paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { example?: unknown }> }>; requestBody?: { content: Record<string, { schema: { example?: unknown } }> } }>>;
      components: { schemas: Record<string, { properties: Record<string, { example?: unknown }> }> };
    };
    const routes = [
      ['/v1/notifications/push-subscriptions', 'post', '400'],
      ['/v1/notifications/push-subscriptions', 'post', '409'],
      ['/v1/notifications/push-subscriptions/{id}', 'delete', '404'],
      ['/v1/notifications/push/vapid-public-key', 'get', '404'],
      ['/v1/notifications/webhooks/sendgrid', 'post', '400'],
    ] as const;
    for (const [path, method, errorStatus] of routes) {
      expect(doc.paths[path]?.[method]?.responses[errorStatus]?.content?.[PROBLEM_CONTENT_TYPE]?.example).toMatchObject({ status: Number(errorStatus) });
    }
    expect(doc.paths['/v1/notifications/webhooks/sendgrid'].post.requestBody?.content['application/json'].schema.example).toEqual(
      expect.arrayContaining([expect.objectContaining({ event: 'delivered', notification_id: expect.any(String) })]),
    );
    expect(doc.components.schemas.CreatePushSubscriptionDto.properties.endpoint.example).toMatch(/^https:/);
    expect(doc.components.schemas.PushSubscriptionKeysDto.properties.p256dh.example).toBeDefined();
  });

  describe('bad subscriptions: 400 problem+json naming the field, nothing written', () => {
    const valid = () => push.subscribe().json;
    const notOnCurve = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]).toString('base64url');
    it.each([
      ['no endpoint', () => ({ ...valid(), endpoint: undefined }), 'endpoint'],
      ['an endpoint that is not a URL', () => ({ ...valid(), endpoint: 'push-me' }), 'endpoint'],
      ['an endpoint that is not http(s)', () => ({ ...valid(), endpoint: 'ftp://127.0.0.1/push/x' }), 'endpoint'],
      ['an endpoint with credentials', () => ({ ...valid(), endpoint: 'https://user:pw@fcm.googleapis.com/fcm/send/x' }), 'endpoint'],
      ['no keys', () => ({ ...valid(), keys: undefined }), 'keys'],
      ['p256dh of the wrong length', () => ({ ...valid(), keys: { ...valid().keys, p256dh: 'BAAA' } }), 'keys.p256dh'],
      ['p256dh not on the curve', () => ({ ...valid(), keys: { ...valid().keys, p256dh: notOnCurve } }), 'keys.p256dh'],
      ['an auth secret of the wrong length', () => ({ ...valid(), keys: { ...valid().keys, auth: 'c2hvcnQ' } }), 'keys.auth'],
      ['an auth secret that is not a string', () => ({ ...valid(), keys: { ...valid().keys, auth: 16 } }), 'keys.auth'],
      ['an unknown field', () => ({ ...valid(), topic: 'orders' }), 'topic'],
      ['an unknown key', () => ({ ...valid(), keys: { ...valid().keys, extra: 'x' } }), 'keys.extra'],
    ])('%s', async (_case, body, field) => {
      const ada = await user();
      const before = await allSubscriptionRows();
      const response = await inject(ada.token, 'POST', '/v1/notifications/push-subscriptions', body());
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      expect(response.json().errors).toEqual([expect.objectContaining({ field })]);
      expect(await allSubscriptionRows()).toBe(before);
    });
  });
});
