import {
  SERVICE_PORTS,
  serviceEnv,
  spawnService,
  startPrism,
  startStripeMock,
  VENDOR_APIS,
  type ServiceProcess,
  type VendorMock,
} from '@ecotrack/testing';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Client } from 'pg';

/**
 * A customer's way through the running stack, over HTTP only: register, log in,
 * search, read a product twice (the second read is a cache hit), place an order,
 * pay for it, get notified.
 *
 * user-, product- and order-service are the ones `./ecotrack up` runs. The stack's
 * payment- and notification-service have no vendor credentials (none exist
 * locally), so this journey runs its own instances of those two, configured
 * against stripe-mock and Prism serving Twilio's published API (the same mocks
 * their integration tests use), on the same infrastructure and the same JWKS.
 */
const at = (service: keyof typeof SERVICE_PORTS) => `http://127.0.0.1:${SERVICE_PORTS[service]}`;
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

async function call(url: string, init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const response = await fetch(url, {
    method: init.method ?? (init.body ? 'POST' : 'GET'),
    headers: {
      ...(init.body ? { 'content-type': 'application/json' } : {}),
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...init.headers,
    },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function registerAndLogin(email: string): Promise<{ token: string; id: string }> {
  const password = `pw-${hex(12)}`;
  expect((await call(`${at('user-service')}/v1/users`, { body: { email, displayName: 'Journey', password } })).status).toBe(201);
  return login(email, password).then(async (token) => ({ token, id: (await call(`${at('user-service')}/v1/users/me`, { token })).body.id }));
}

async function login(email: string, password: string): Promise<string> {
  const session = await call(`${at('user-service')}/v1/sessions`, { body: { email, password } });
  expect(session.status).toBe(201);
  return session.body.accessToken;
}

async function productCacheHits(): Promise<number> {
  const metrics = await fetch(`${at('product-service')}/metrics`).then((r) => r.text());
  const line = metrics.split('\n').find((l) => l.startsWith('ecotrack_cache_requests_total{') && l.includes('cache="product"') && l.includes('result="hit"'));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('customer journey across the running stack', () => {
  const mocks: VendorMock[] = [];
  const services: ServiceProcess[] = [];
  let payments: ServiceProcess;
  let notifications: ServiceProcess;

  beforeAll(async () => {
    const infra = process.env as Record<string, string>;
    const stripe = await startStripeMock();
    const twilio = await startPrism(path.join(VENDOR_APIS, 'twilio/twilio_api_v2010.json'));
    mocks.push(stripe, twilio);
    payments = spawnService('payment-service', 13204, {
      ...serviceEnv(infra, 'payment-service'),
      STRIPE_API_BASE: stripe.baseUrl,
      STRIPE_SECRET_KEY: `sk_test_${hex(12)}`,
      SHUTDOWN_DRAIN_DELAY_MS: '200',
    });
    notifications = spawnService('notification-service', 13205, {
      ...serviceEnv(infra, 'notification-service'),
      TWILIO_API_BASE: twilio.baseUrl,
      TWILIO_ACCOUNT_SID: `AC${hex(16)}`,
      TWILIO_AUTH_TOKEN: hex(16),
      SMS_FROM: '+15005550006',
      SHUTDOWN_DRAIN_DELAY_MS: '200',
    });
    services.push(payments, notifications);
    await Promise.all(services.map((service) => service.waitUntilReady()));
  }, 180_000);

  afterAll(async () => {
    await Promise.all(services.map((service) => service.stop()));
    await Promise.all(mocks.map((mock) => mock.stop()));
  }, 30_000);

  it('register → login → search → product twice (cache hit) → order → authorize and capture → notification sent', async () => {
    const run = hex(4);
    const customer = await registerAndLogin(`journey-${run}@example.org`);

    // An operator: registered like anyone, promoted in user-service's own database
    // (there is no API that grants admin), then logged in to get the role in the token.
    const adminEmail = `journey-admin-${run}@example.org`;
    const adminPassword = `pw-${hex(12)}`;
    expect((await call(`${at('user-service')}/v1/users`, { body: { email: adminEmail, displayName: 'Operator', password: adminPassword } })).status).toBe(201);
    const users = new Client({ connectionString: process.env.USER_SERVICE_DATABASE_URL });
    await users.connect();
    await users.query(`UPDATE users SET roles = '{admin}' WHERE email = $1`, [adminEmail]);
    await users.end();
    const admin = await login(adminEmail, adminPassword);

    const created = await call(`${at('product-service')}/v1/products`, {
      token: admin,
      body: { sku: `JRN-${run.toUpperCase()}`, name: `Journey bamboo cutlery ${run}`, category: 'kitchen', priceCents: 1299, currency: 'EUR', carbonKgCo2e: 0.35, stock: 5 },
    });
    expect(created).toMatchObject({ status: 201 });
    const productId = created.body.id;

    const search = await call(`${at('product-service')}/v1/products/search?q=${encodeURIComponent(`cutlery ${run}`)}`);
    expect(search.status).toBe(200);
    expect(search.body.items.map((p: { id: string }) => p.id)).toContain(productId);

    expect((await call(`${at('product-service')}/v1/products/${productId}`)).status).toBe(200);
    const hitsBefore = await productCacheHits();
    const second = await call(`${at('product-service')}/v1/products/${productId}`);
    expect(second.body).toMatchObject({ id: productId, priceCents: 1299 });
    expect(await productCacheHits()).toBe(hitsBefore + 1);

    const order = await call(`${at('order-service')}/v1/orders`, {
      token: customer.token,
      headers: { 'idempotency-key': `journey-${run}` },
      body: { items: [{ productId, quantity: 2 }] },
    });
    expect(order).toMatchObject({ status: 201 });
    expect(order.body).toMatchObject({ status: 'PENDING', totalCents: 2598, currency: 'EUR' });

    const authorized = await call(`${payments.baseUrl}/v1/payments`, {
      token: admin,
      body: { orderId: order.body.id, provider: 'stripe', amountCents: order.body.totalCents, currency: 'EUR', paymentMethodToken: 'pm_card_visa' },
    });
    expect(authorized).toMatchObject({ status: 201 });
    expect(authorized.body.status).toBe('AUTHORIZED');
    const captured = await call(`${payments.baseUrl}/v1/payments/${authorized.body.id}/capture`, { token: admin, method: 'POST' });
    expect(captured).toMatchObject({ status: 200 });
    expect(captured.body.status).toBe('CAPTURED');

    const sent = await call(`${notifications.baseUrl}/v1/notifications`, {
      token: admin,
      body: {
        userId: customer.id,
        channel: 'sms',
        template: 'order-confirmed',
        data: { orderId: order.body.id, totalCents: order.body.totalCents, currency: 'EUR' },
        to: '+15558675310',
      },
    });
    expect(sent).toMatchObject({ status: 201 });
    const status = await call(`${notifications.baseUrl}/v1/notifications/${sent.body.id}`, { token: customer.token });
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ status: 'sent', channel: 'sms', provider: 'twilio' });
    expect(status.body.providerMessageId).toMatch(/^SM/);
  }, 120_000);
});
