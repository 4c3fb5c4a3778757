import { readStackEnv, SERVICE_PORTS, STATE_DIR, WORKSPACE_ROOT } from '@ecotrack/testing';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A customer's way through the running stack, over HTTP only: register, log in,
 * search, read a product twice (the second read is a cache hit), place an order,
 * pay for it, get notified.
 *
 * Every service is the one `./ecotrack up` runs: payment-service pays through Stripe's
 * API as stripe-mock serves it, notification-service sends email over SMTP to the
 * stack's Mailpit, whose HTTP API shows what arrived (see .stack/providers.env).
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

async function registerAndLogin(email: string, displayName: string): Promise<{ token: string; id: string }> {
  const password = `pw-${hex(12)}`;
  expect((await call(`${at('user-service')}/v1/users`, { body: { email, displayName, password } })).status).toBe(201);
  return login(email, password).then(async (token) => ({ token, id: (await call(`${at('user-service')}/v1/users/me`, { token })).body.id }));
}

async function login(email: string, password: string): Promise<string> {
  const session = await call(`${at('user-service')}/v1/sessions`, { body: { email, password } });
  expect(session.status).toBe(201);
  return session.body.accessToken;
}

interface MailpitMessage {
  ID: string;
  MessageID: string;
  From: { Address: string };
  To: { Address: string }[];
  Subject: string;
  Text: string;
}

/** The message the stack's Mailpit received with this Message-ID; waits a little for it. */
async function mailpitMessage(apiUrl: string, messageId: string): Promise<MailpitMessage | undefined> {
  const query = encodeURIComponent(`message-id:"${messageId}"`);
  for (let attempt = 0; attempt < 20; attempt++) {
    const search = (await fetch(`${apiUrl}/api/v1/search?query=${query}`).then((r) => r.json())) as { messages: { ID: string; MessageID: string }[] };
    const found = search.messages.find((m) => m.MessageID === messageId);
    if (found) return (await fetch(`${apiUrl}/api/v1/message/${found.ID}`).then((r) => r.json())) as MailpitMessage;
    await sleep(250);
  }
  return undefined;
}

/** Product events product-service has consumed (its cache consumer drops cached products on them). */
async function productEventsConsumed(): Promise<number> {
  const metrics = await fetch(`${at('product-service')}/metrics`).then((r) => r.text());
  return metrics
    .split('\n')
    .filter((l) => l.startsWith('ecotrack_messages_consumed_total{') && l.includes('topic="product.events"') && l.includes('result="processed"'))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

async function productCacheHits(): Promise<number> {
  const metrics = await fetch(`${at('product-service')}/metrics`).then((r) => r.text());
  const line = metrics.split('\n').find((l) => l.startsWith('ecotrack_cache_requests_total{') && l.includes('cache="product"') && l.includes('result="hit"'));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('customer journey across the running stack', () => {
  const providers = readStackEnv(path.join(STATE_DIR, 'providers.env'));

  it('register → login → search → product twice (cache hit) → order → the saga confirms it (stock reserved, Stripe authorized and captured) → email notification sent, received by Mailpit', async () => {
    const run = hex(4);
    const customerEmail = `journey-${run}@example.org`;
    const customer = await registerAndLogin(customerEmail, `Journey Customer ${run}`);

    // An operator: registered like anyone, made admin with the operator CLI (the first admin's
    // way in; later ones are granted over PUT /v1/users/{id}/roles), then logged in.
    const adminEmail = `journey-admin-${run}@example.org`;
    const adminPassword = `pw-${hex(12)}`;
    expect((await call(`${at('user-service')}/v1/users`, { body: { email: adminEmail, displayName: `Journey Operator ${run}`, password: adminPassword } })).status).toBe(201);
    execFileSync('./ecotrack', ['grant-admin', adminEmail], { cwd: WORKSPACE_ROOT, stdio: 'pipe' });
    const admin = await login(adminEmail, adminPassword);

    const eventsBefore = await productEventsConsumed();
    const created = await call(`${at('product-service')}/v1/products`, {
      token: admin,
      body: { sku: `JRN-${run.toUpperCase()}`, name: `Journey bamboo cutlery ${run}`, category: 'kitchen', priceCents: 1299, currency: 'EUR', carbonKgCo2e: 0.35, stock: 5 },
    });
    expect(created).toMatchObject({ status: 201 });
    const productId = created.body.id;

    const search = await call(`${at('product-service')}/v1/products/search?q=${encodeURIComponent(`cutlery ${run}`)}`);
    expect(search.status).toBe(200);
    expect(search.body.items.map((p: { id: string }) => p.id)).toContain(productId);

    // Creating it announced StockChanged; once that came back, nothing drops the cached copy behind our back.
    for (let i = 0; i < 360 && (await productEventsConsumed()) <= eventsBefore; i++) await sleep(250);
    expect((await call(`${at('product-service')}/v1/products/${productId}`)).status).toBe(200);
    const hitsBefore = await productCacheHits();
    const second = await call(`${at('product-service')}/v1/products/${productId}`);
    expect(second.body).toMatchObject({ id: productId, priceCents: 1299 });
    expect(await productCacheHits()).toBe(hitsBefore + 1);

    const order = await call(`${at('order-service')}/v1/orders`, {
      token: customer.token,
      headers: { 'idempotency-key': `journey-${run}` },
      body: { items: [{ productId, quantity: 2 }], payment: { provider: 'stripe', paymentMethodToken: 'pm_card_visa' } },
    });
    expect(order).toMatchObject({ status: 202 });
    expect(order.body).toMatchObject({ status: 'PENDING', totalCents: 2598, currency: 'EUR' });

    // The order saga reserves the stock and authorizes and captures the payment (stripe-mock): CONFIRMED.
    let confirmed = order.body;
    for (let i = 0; i < 360 && confirmed.status === 'PENDING'; i++) {
      await sleep(250);
      confirmed = (await call(`${at('order-service')}/v1/orders/${order.body.id}`, { token: customer.token })).body;
    }
    expect(confirmed).toMatchObject({ status: 'CONFIRMED', rejectionReason: null });
    const payment = await call(`${at('payment-service')}/v1/payments/${confirmed.paymentId}`, { token: admin });
    expect(payment).toMatchObject({ status: 200, body: { status: 'CAPTURED', amountCents: 2598, orderId: order.body.id, provider: 'stripe' } });
    const stock = await call(`${at('product-service')}/v1/products/${productId}`);
    expect(stock.body.stock).toBe(3);

    const sent = await call(`${at('notification-service')}/v1/notifications`, {
      token: admin,
      body: {
        userId: customer.id,
        channel: 'email',
        template: 'order-confirmed',
        data: { orderId: order.body.id, totalCents: order.body.totalCents, currency: 'EUR' },
        to: customerEmail,
      },
    });
    expect(sent).toMatchObject({ status: 201 });
    const status = await call(`${at('notification-service')}/v1/notifications/${sent.body.id}`, { token: customer.token });
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ status: 'sent', channel: 'email', provider: 'smtp', failureReason: null });
    expect(status.body.providerMessageId).toBe(`${sent.body.id}@ecotrack.local`);

    const mail = await mailpitMessage(providers.MAILPIT_API_URL, status.body.providerMessageId);
    expect(mail).toBeDefined();
    expect(mail!.To.map((to) => to.Address)).toEqual([customerEmail]);
    expect(mail!.From.Address).toBe(providers.EMAIL_FROM);
    expect(mail!.Subject).toBe('Your order is confirmed');
    expect(mail!.Text).toContain(order.body.id);
  }, 300_000);
});
