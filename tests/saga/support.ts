import {
  newTraceparent,
  startMailpit,
  startPlatform,
  startStripeFront,
  startStripeMock,
  WORKSPACE_ROOT,
  type MailpitMock,
  type Platform,
  type PlatformOptions,
  type StripeFront,
  type VendorMock,
  waitUntil,
} from '@ecotrack/testing';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { Pool } from 'pg';

export type OrderStatus = 'PENDING' | 'CONFIRMED' | 'REJECTED' | 'CANCELLING' | 'CANCELLED';
export const FINAL: readonly OrderStatus[] = ['CONFIRMED', 'REJECTED', 'CANCELLED'];

export interface Customer {
  id: string;
  email: string;
  /** To log in again (the recovery tests end sessions). */
  password: string;
  token: string;
}

/** The five services as processes, with Stripe (stripe-mock behind a front that can decline or stall) and Mailpit. */
export interface SagaWorld {
  platform: Platform;
  stripe: VendorMock;
  front: StripeFront;
  mailpit: MailpitMock;
  db: Record<'orders' | 'products' | 'payments' | 'notifications', Pool>;
  admin: string;
  close(): Promise<void>;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const env = process.env as Record<string, string>;

/** Saga steps time out fast here, and every poll is short, so faults resolve within a test's time. */
export const SAGA_TEST_SETTINGS = {
  SAGA_STEP_TIMEOUT_MS: '6000',
  SAGA_TIMEOUT_POLL_MS: '250',
  OUTBOX_POLL_INTERVAL_MS: '200',
  CONSUMER_RETRY_MAX_DELAY_MS: '2000',
  PAYMENT_GATEWAY_TIMEOUT_MS: '2000',
  // A send cut short by a kill -9 is failed as interrupted after this (the floor), not after 5 min.
  NOTIFICATION_CLAIM_LEASE_MS: '40000',
};

/**
 * @param settings overrides of SAGA_TEST_SETTINGS (and other variables for every service); a broker
 * restart makes consumers rejoin their groups, which takes up to the 30 s session timeout, so a test
 * that must ride that out without compensating gives its steps more time.
 * @param launch how the services are started (pinned to a core, readiness timeout, what happens meanwhile).
 */
export async function startSagaWorld(
  settings: Partial<typeof SAGA_TEST_SETTINGS> & Record<string, string> = {},
  launch: Pick<PlatformOptions, 'launcher' | 'afterLaunch' | 'readyTimeoutMs'> = {},
): Promise<SagaWorld> {
  const stripe = await startStripeMock();
  const front = await startStripeFront({ stripeMockUrl: stripe.baseUrl });
  const mailpit = await startMailpit();
  const mocks = () => Promise.all([mailpit.stop(), front.stop(), stripe.stop()]);
  const platform = await startPlatform(env, {
    ...launch,
    common: { ...SAGA_TEST_SETTINGS, ...settings, RATE_LIMIT_ENABLED: 'false' },
    env: {
      'payment-service': { STRIPE_API_BASE: front.url, STRIPE_SECRET_KEY: `sk_test_${hex(12)}` },
      'notification-service': { EMAIL_PROVIDER: 'smtp', SMTP_URL: mailpit.smtpUrl, EMAIL_FROM: 'no-reply@ecotrack.test' },
    },
  }).catch(async (error: unknown) => {
    await mocks(); // the platform stopped its own processes
    throw error;
  });
  const pool = (name: string) => {
    const created = new Pool({ connectionString: env[`${name}_SERVICE_DATABASE_URL`], max: 4, application_name: 'saga-tests' });
    // A PostgreSQL crash (one of the faults) ends the idle connections; the pool opens new ones.
    created.on('error', () => undefined);
    return created;
  };
  const db = { orders: pool('ORDER'), products: pool('PRODUCT'), payments: pool('PAYMENT'), notifications: pool('NOTIFICATION') };
  const admin = await adminToken(platform);
  return {
    platform,
    stripe,
    front,
    mailpit,
    db,
    admin,
    async close() {
      await platform.stop();
      await Promise.all(Object.values(db).map((p) => p.end()));
      await mocks();
    },
  };
}

export async function call(url: string, options: { token?: string; body?: unknown; method?: string; headers?: Record<string, string> } = {}) {
  const response = await fetch(url, {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function login(platform: Platform, email: string, password: string): Promise<string> {
  const session = await call(`${platform.url('user-service')}/v1/sessions`, { body: { email, password } });
  if (session.status !== 201) throw new Error(`login ${email}: ${session.status} ${JSON.stringify(session.body)}`);
  return session.body.accessToken;
}

async function adminToken(platform: Platform): Promise<string> {
  const email = `saga-admin-${hex(6)}@example.org`;
  const password = `pw-${hex(12)}`;
  const registered = await call(`${platform.url('user-service')}/v1/users`, { body: { email, displayName: 'Saga operator', password } });
  if (registered.status !== 201) throw new Error(`register admin: ${registered.status}`);
  execFileSync(process.execPath, ['tools/run/grant-admin.js', email], { cwd: WORKSPACE_ROOT, env: { PATH: env.PATH, DATABASE_URL: env.USER_SERVICE_DATABASE_URL }, stdio: 'pipe' });
  return login(platform, email, password);
}

export async function newCustomer(world: SagaWorld, tag = 'customer'): Promise<Customer> {
  const email = `saga-${tag}-${hex(6)}@example.org`;
  const password = `pw-${hex(12)}`;
  const registered = await call(`${world.platform.url('user-service')}/v1/users`, { body: { email, displayName: `Saga ${tag}`, password } });
  if (registered.status !== 201) throw new Error(`register ${email}: ${registered.status}`);
  return { id: registered.body.id, email, password, token: await login(world.platform, email, password) };
}

/** A product with this stock (admin API); returns its id. */
export async function newProduct(world: SagaWorld, stock: number, priceCents = 1250): Promise<string> {
  const run = hex(5);
  const created = await call(`${world.platform.url('product-service')}/v1/products`, {
    token: world.admin,
    body: { sku: `SAGA-${run.toUpperCase()}`, name: `Saga test kettle ${run}`, category: 'kitchen', priceCents, currency: 'EUR', carbonKgCo2e: 0.5, stock },
  });
  if (created.status !== 201) throw new Error(`create product: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body.id;
}

export interface PlacedOrder {
  id: string;
  status: number;
  traceId: string;
}

export async function placeOrder(
  world: SagaWorld,
  customer: Customer,
  items: { productId: string; quantity: number }[],
  paymentMethodToken = 'pm_card_visa',
): Promise<PlacedOrder> {
  const { traceId, traceparent } = newTraceparent();
  const response = await call(`${world.platform.url('order-service')}/v1/orders`, {
    token: customer.token,
    headers: { 'idempotency-key': randomUUID(), traceparent },
    body: { items, payment: { provider: 'stripe', paymentMethodToken } },
  });
  if (response.status !== 202) throw new Error(`place order: ${response.status} ${JSON.stringify(response.body)}`);
  return { id: response.body.id, status: response.status, traceId };
}

export interface OrderRow {
  id: string;
  status: OrderStatus;
  total_cents: string;
  rejection_reason: string | null;
  reservation_id: string;
  payment_id: string;
}

/** Polls order-service's database until every order is in one of `statuses`; returns the rows. */
export async function waitForOrders(world: SagaWorld, ids: string[], statuses: readonly OrderStatus[] = FINAL, timeoutMs = 120_000): Promise<OrderRow[]> {
  const read = async () =>
    (await world.db.orders.query<OrderRow>('SELECT id, status, total_cents, rejection_reason, reservation_id, payment_id FROM orders WHERE id = ANY($1::uuid[])', [ids])).rows;
  const inStatuses = (rows: OrderRow[]) => rows.length === ids.length && rows.every((row) => statuses.includes(row.status));
  return waitUntil(`${ids.length} orders to be ${statuses.join('/')}`, read, inStatuses, { timeoutMs, intervalMs: 250 });
}

/** available + reserved + sold, per product: must equal the stock it was created with. */
export async function stockAccount(world: SagaWorld, productId: string) {
  const { rows } = await world.db.products.query(
    `SELECT p.stock AS available,
            coalesce(sum(r.quantity) FILTER (WHERE r.status = 'RESERVED'), 0)::int AS reserved,
            coalesce(sum(r.quantity) FILTER (WHERE r.status = 'CONFIRMED'), 0)::int AS sold
       FROM products p LEFT JOIN stock_reservations r ON r.product_id = p.id
      WHERE p.id = $1 GROUP BY p.stock`,
    [productId],
  );
  const { available, reserved, sold } = rows[0] as { available: number; reserved: number; sold: number };
  return { available, reserved, sold, total: available + reserved + sold };
}

/** Payments of these orders by status, with their amounts. */
export async function paymentsOf(world: SagaWorld, orderIds: string[]) {
  const { rows } = await world.db.payments.query<{ id: string; order_id: string; status: string; amount_cents: string }>(
    'SELECT id, order_id, status, amount_cents FROM payments WHERE order_id = ANY($1::uuid[])',
    [orderIds],
  );
  return rows.map((row) => ({ id: row.id, orderId: row.order_id, status: row.status, amountCents: Number(row.amount_cents) }));
}

/** Mailpit messages whose text mentions this id. */
export async function mailsMentioning(world: SagaWorld, id: string): Promise<{ ID: string; Subject: string; To: { Address: string }[] }[]> {
  const search = await fetch(`${world.mailpit.apiUrl}/api/v1/search?query=${encodeURIComponent(id)}`).then((r) => r.json());
  return (search as { messages: { ID: string; Subject: string; To: { Address: string }[] }[] }).messages;
}

/**
 * Waits until notification-service has recorded at least `expected` notifications naming these
 * orders or payments, and has nothing left to send about them (none queued: sent, delivered or
 * failed), so a count of the mails taken afterwards cannot grow any more. After a kill -9 its
 * consumers first rejoin their groups, and a send cut short by the crash holds its claim for
 * NOTIFICATION_CLAIM_LEASE_MS before it is failed as interrupted: hence the default wait.
 */
export async function notificationsSettled(world: SagaWorld, ids: string[], expected: number, timeoutMs = 150_000): Promise<void> {
  const progress = async () => {
    const { rows } = await world.db.notifications.query(
      `SELECT count(*)::int AS recorded, count(*) FILTER (WHERE status = 'queued')::int AS queued FROM notifications
        WHERE data->>'orderId' = ANY($1::text[]) OR data->>'paymentId' = ANY($1::text[])`,
      [ids],
    );
    return rows[0] as { recorded: number; queued: number };
  };
  const settled = (p: { recorded: number; queued: number }) => p.recorded >= expected && p.queued === 0;
  await waitUntil(`at least ${expected} notifications about these orders recorded, none queued`, progress, settled, { timeoutMs, intervalMs: 250 });
}

/** Ids (order or payment) whose notification was failed as interrupted: a crash during its send, never resent (at most once). */
export async function interruptedNotifications(world: SagaWorld, ids: string[]): Promise<Set<string>> {
  const { rows } = await world.db.notifications.query(
    `SELECT data->>'orderId' AS "orderId", data->>'paymentId' AS "paymentId" FROM notifications
      WHERE status = 'failed' AND failure_reason LIKE 'interrupted:%' AND (data->>'orderId' = ANY($1::text[]) OR data->>'paymentId' = ANY($1::text[]))`,
    [ids],
  );
  return new Set(rows.flatMap((row: { orderId: string | null; paymentId: string | null }) => [row.orderId, row.paymentId].filter((id): id is string => !!id)));
}

/**
 * Every mail Mailpit received, counted per subject and per id its text names (the templates put the
 * order or payment id into the first line, which Mailpit's snippet holds): `"<subject>|<id>" → count`.
 */
export async function mailCounts(world: SagaWorld): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let start = 0; ; start += 500) {
    const page = (await fetch(`${world.mailpit.apiUrl}/api/v1/messages?start=${start}&limit=500`).then((r) => r.json())) as {
      messages: { Subject: string; Snippet: string }[];
    };
    for (const mail of page.messages) {
      for (const id of new Set(mail.Snippet.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g) ?? [])) {
        const key = `${mail.Subject}|${id}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    if (page.messages.length < 500) return counts;
  }
}
