import { readStackEnv, SERVICE_PORTS, STATE_DIR, waitUntil, WORKSPACE_ROOT } from '@ecotrack/testing';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { emptyWhenOf, queryPanels } from '../../tools/dashboards/src';

/**
 * Every panel's query is proven against real data: a journey through the running stack
 * (register, verify the email, log in, a failed login, quote, an order confirmed and then
 * cancelled, an order rejected for lack of stock, a cached product read), then each query of
 * each committed dashboard (helm/ecotrack/files/dashboards, what the chart and compose load)
 * goes to the stack's Prometheus with the template variables substituted as Grafana would.
 * It must answer, and with data, unless the panel's description says when it is empty.
 * There is no Grafana here: this test is the screenshot-free proof (docs/observability/dashboards.md).
 */
const DASHBOARDS = path.join(WORKSPACE_ROOT, 'helm/ecotrack/files/dashboards');
const at = (service: keyof typeof SERVICE_PORTS) => `http://127.0.0.1:${SERVICE_PORTS[service]}`;
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

async function call(url: string, init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const response = await fetch(url, {
    method: init.method ?? (init.body ? 'POST' : 'GET'),
    headers: { ...(init.body ? { 'content-type': 'application/json' } : {}), ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...init.headers },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

// ---- the journey -------------------------------------------------------------------------

/** The token of the verification mail Mailpit received for `email`. */
async function verificationToken(mailpit: string, email: string): Promise<string> {
  const mail = await waitUntil(`the verification mail to ${email}`, async () => {
    const search = (await fetch(`${mailpit}/api/v1/search?query=${encodeURIComponent(`to:"${email}"`)}`).then((r) => r.json())) as { messages: { ID: string }[] };
    return search.messages[0] ? ((await fetch(`${mailpit}/api/v1/message/${search.messages[0].ID}`).then((r) => r.json())) as { Text: string }) : undefined;
  }, Boolean, { timeoutMs: 60_000, intervalMs: 250 });
  return /code: ([A-Za-z0-9_-]{43})\b/.exec(mail!.Text)![1];
}

async function orderIn(status: string, id: string, token: string) {
  return waitUntil(`order ${id} ${status}`, async () => (await call(`${at('order-service')}/v1/orders/${id}`, { token })).body, (order) => order.status === status, {
    timeoutMs: 90_000,
    intervalMs: 250,
  });
}

async function journey(productId: string): Promise<void> {
  const mailpit = readStackEnv(path.join(STATE_DIR, 'providers.env')).MAILPIT_API_URL;
  const users = at('user-service');
  const email = `dashboards-${hex(4)}@example.org`;
  const password = `pw-${hex(12)}`;
  expect((await call(`${users}/v1/users`, { body: { email, displayName: 'Dashboard Customer', password } })).status).toBe(201);
  expect((await call(`${users}/v1/users/email-verification`, { body: { token: await verificationToken(mailpit, email) } })).status).toBeLessThan(300);
  expect((await call(`${users}/v1/sessions`, { body: { email, password: `${password}-wrong` } })).status).toBe(401);
  const session = await call(`${users}/v1/sessions`, { body: { email, password } });
  expect(session.status).toBe(201);
  const token = session.body.accessToken as string;

  expect((await call(`${at('product-service')}/v1/products/${productId}`)).status).toBe(200);
  expect((await call(`${at('product-service')}/v1/products/${productId}`)).status).toBe(200); // from the cache
  expect((await call(`${at('order-service')}/v1/quotes`, { body: { items: [{ productId, quantity: 1 }] } })).status).toBe(200);

  const place = (quantity: number) =>
    call(`${at('order-service')}/v1/orders`, {
      token,
      headers: { 'idempotency-key': `dashboards-${hex(6)}` },
      body: { items: [{ productId, quantity }], payment: { provider: 'stripe', paymentMethodToken: 'pm_card_visa' } },
    });
  const kept = await place(1);
  expect(kept.status).toBe(202);
  await orderIn('CONFIRMED', kept.body.id, token);
  const tooMany = await place(5); // the product has 2 in stock: the saga rejects it, out of stock
  expect(tooMany.status).toBe(202);
  await orderIn('REJECTED', tooMany.body.id, token);
  expect((await call(`${at('order-service')}/v1/orders/${kept.body.id}/cancel`, { method: 'POST', token })).status).toBe(202);
  await orderIn('CANCELLED', kept.body.id, token); // refunded and restocked
}

/** Until Prometheus has scraped every service twice since `since` (a rate needs two samples). */
async function scrapedTwiceSince(prometheus: string, since: number): Promise<void> {
  await waitUntil('two scrapes of every service after the journey', async () => {
    const body = (await fetch(`${prometheus}/api/v1/targets?state=active`).then((r) => r.json())) as { data: { activeTargets: { labels: Record<string, string>; lastScrape: string }[] } };
    const services = body.data.activeTargets.filter((t) => t.labels.job === 'ecotrack');
    return services.length === Object.keys(SERVICE_PORTS).length && services.every((t) => Date.parse(t.lastScrape) > since);
  }, Boolean, { timeoutMs: 60_000, intervalMs: 500 });
  const first = Date.now();
  await waitUntil('a second scrape', async () => {
    const body = (await fetch(`${prometheus}/api/v1/targets?state=active`).then((r) => r.json())) as { data: { activeTargets: { labels: Record<string, string>; lastScrape: string }[] } };
    return body.data.activeTargets.filter((t) => t.labels.job === 'ecotrack').every((t) => Date.parse(t.lastScrape) > first);
  }, Boolean, { timeoutMs: 60_000, intervalMs: 500 });
}

// ---- the dashboards, as Grafana would query them -------------------------------------------

interface Variable {
  name: string;
  type: string;
  query?: string;
  allValue?: string;
  options?: { value: string }[];
}

/** Each variable's value with the dashboard's defaults: "All" (allValue, or every option as Grafana joins them), or the constant. */
function variableValues(variables: Variable[]): Record<string, string> {
  const values: Record<string, string> = { __rate_interval: '1m', __interval: '15s', __range: '1h' };
  for (const variable of variables) {
    if (variable.type === 'constant') values[variable.name] = variable.query!;
    else if (variable.allValue) values[variable.name] = variable.allValue;
    else if (variable.options?.length) values[variable.name] = `(${variable.options.map((o) => o.value).join('|')})`;
  }
  return values;
}

const substitute = (expr: string, values: Record<string, string>) => expr.replace(/\$(\w+)/g, (whole, name: string) => values[name] ?? whole);

interface Outcome {
  dashboard: string;
  panel: string;
  query: string;
  status: string;
  series: number;
  emptyWhen?: string;
  error?: string;
}

async function ask(prometheus: string, query: string): Promise<{ status: string; series: number; error?: string }> {
  const body = (await fetch(`${prometheus}/api/v1/query?${new URLSearchParams({ query })}`).then((r) => r.json())) as { status: string; error?: string; data?: { result: unknown[] } };
  return { status: body.status, series: body.data?.result.length ?? 0, error: body.error };
}

describe('every dashboard panel queries real data (tests/e2e, Prometheus of ./ecotrack up)', () => {
  const prometheus = process.env.PROMETHEUS_URL!;
  const files = readdirSync(DASHBOARDS).filter((f) => f.endsWith('.json')).sort();
  const outcomes: Outcome[] = [];
  const sku = `DASH-${hex(4).toUpperCase()}`;

  beforeAll(async () => {
    const db = new Client({ connectionString: process.env.PRODUCT_SERVICE_DATABASE_URL });
    await db.connect();
    try {
      const { rows } = await db.query(
        `INSERT INTO products (sku, name, category, price_cents, currency, carbon_kg_co2e, stock)
         VALUES ($1, 'Dashboard beeswax wrap', 'kitchen', 900, 'EUR', 0.4, 2) RETURNING id`,
        [sku],
      );
      await journey(rows[0].id);
    } finally {
      await db.end();
    }
    await scrapedTwiceSince(prometheus, Date.now());

    for (const file of files) {
      const board = JSON.parse(readFileSync(path.join(DASHBOARDS, file), 'utf8'));
      const values = variableValues(board.templating.list);
      for (const panel of queryPanels(board)) {
        for (const target of panel.targets ?? []) {
          const query = substitute(target.expr ?? '', values);
          outcomes.push({ dashboard: board.title, panel: panel.title ?? '', query, emptyWhen: emptyWhenOf(panel), ...(await ask(prometheus, query)) });
        }
      }
    }
    const line = (o: Outcome) => `  ${o.series > 0 ? `${o.series} series` : `EMPTY${o.emptyWhen ? ' (documented)' : ''}`}  ${o.dashboard} / ${o.panel}`;
    console.log(`panel queries: ${outcomes.filter((o) => o.series > 0).length} of ${outcomes.length} with data\n${outcomes.map(line).join('\n')}`);
  }, 300_000);

  it('finds the nine dashboards and their queries', () => {
    expect(files).toHaveLength(9);
    expect(outcomes.length).toBeGreaterThan(100);
  });

  it.each(files)('%s: every query is valid PromQL and returns data, unless its panel documents when it is empty', (file) => {
    const title = JSON.parse(readFileSync(path.join(DASHBOARDS, file), 'utf8')).title as string;
    const failures = outcomes
      .filter((o) => o.dashboard === title)
      .filter((o) => o.status !== 'success' || (o.series === 0 && !o.emptyWhen))
      .map((o) => `${o.dashboard} / ${o.panel}: ${o.status !== 'success' ? `Prometheus refused it (${o.error})` : 'no data'}: ${o.query}`);
    expect(failures).toEqual([]);
  });
});
