import { clientAt, readStackEnv, SERVICE_PORTS, STATE_DIR, WORKSPACE_ROOT, type AddressedClient } from '@ecotrack/testing';
import Redis from 'ioredis';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * One anonymous client sends 1,000 quotes in under a minute; meanwhile other clients keep
 * quoting and ordering, and every one of their orders is accepted and confirmed by the saga.
 *
 * "Other clients" are honest here: each speaks from its own loopback address (127.0.0.x), so
 * the services tell them apart by IP as they would behind the real edge, where each client's
 * address arrives through the trusted proxy hop. Nothing is relaxed: the stack runs with its
 * production limits. And since order-service calls product-service from 127.0.0.1, the test
 * also checks that those calls, hundreds of them, spend none of the budget product-service
 * gives 127.0.0.1's clients: order-service proves who it is with its service credential.
 */
const at = (service: keyof typeof SERVICE_PORTS) => `http://127.0.0.1:${SERVICE_PORTS[service]}`;
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

const QUOTES = 1_000;
/** The flood is spread over this long, so the other clients act during all of it, and stays inside one minute. */
const FLOOD_MS = 50_000;
const CUSTOMERS = 5;
/** A quote's own limit per client (order-service's QUOTE_LIMIT). */
const QUOTES_PER_MINUTE = 60;

type Status = { status: number; body: unknown };

async function registerAndLogin(client: AddressedClient, email: string): Promise<string> {
  const password = `pw-${hex(12)}`;
  expect((await client.request('POST', `${at('user-service')}/v1/users`, { body: { email, displayName: 'Abuse test', password } })).status).toBe(201);
  const session = await client.request('POST', `${at('user-service')}/v1/sessions`, { body: { email, password } });
  expect(session.status).toBe(201);
  return (session.body as { accessToken: string }).accessToken;
}

/** Requests product-service served on one route (its own metrics). */
async function productServed(route: string): Promise<number> {
  const text = await (await fetch(`${at('product-service')}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('http_server_request_duration_seconds_count{') && line.includes(`route="${route}"`))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

describe('abuse: 1,000 anonymous quotes in a minute', () => {
  const run = hex(4);
  const redis = new Redis(readStackEnv(path.join(STATE_DIR, 'stack.env')).REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
  const attacker = clientAt('127.0.0.66');
  const operator = clientAt('127.0.0.100');
  const customers = Array.from({ length: CUSTOMERS }, (_, i) => clientAt(`127.0.0.${101 + i}`));

  afterAll(async () => {
    for (const client of [attacker, operator, ...customers]) client.close();
    redis.disconnect();
  });

  it('the flooding client gets 429s; other clients keep quoting and ordering, every order confirmed; internal calls spend no client budget', async () => {
    // An operator makes a product with stock for everyone's orders.
    const adminEmail = `abuse-admin-${run}@example.org`;
    const adminPassword = `pw-${hex(12)}`;
    expect((await operator.request('POST', `${at('user-service')}/v1/users`, { body: { email: adminEmail, displayName: 'Operator', password: adminPassword } })).status).toBe(201);
    execFileSync('./ecotrack', ['grant-admin', adminEmail], { cwd: WORKSPACE_ROOT, stdio: 'pipe' });
    const admin = ((await operator.request('POST', `${at('user-service')}/v1/sessions`, { body: { email: adminEmail, password: adminPassword } })).body as { accessToken: string }).accessToken;
    const created = await operator.request('POST', `${at('product-service')}/v1/products`, {
      token: admin,
      body: { sku: `ABUSE-${run.toUpperCase()}`, name: `Abuse test soap ${run}`, category: 'home', priceCents: 250, currency: 'EUR', carbonKgCo2e: 0.1, stock: 10_000 },
    });
    expect(created.status).toBe(201);
    const productId = (created.body as { id: string }).id;
    const basket = { items: Array.from({ length: 5 }, () => ({ productId, quantity: 1 })) };
    const tokens = await Promise.all(customers.map((client, i) => registerAndLogin(client, `abuse-${run}-${i}@example.org`)));

    await redis.connect();
    const internalKey = 'ratelimit:product-service:ip:127.0.0.1';
    const batchReadsBefore = await productServed('/v1/products/batch');
    const baseline = Number((await redis.get(internalKey)) ?? 0);
    const started = Date.now();

    // The flood: one quote every FLOOD_MS / QUOTES, without waiting for the answers.
    const flood = (async () => {
      const answers: Array<Promise<Status>> = [];
      for (let i = 0; i < QUOTES; i++) {
        answers.push(attacker.request('POST', `${at('order-service')}/v1/quotes`, { body: basket }).catch((error: Error) => ({ status: 0, body: error.message })));
        await sleep(FLOOD_MS / QUOTES);
      }
      return Promise.all(answers);
    })();
    let flooding = true;
    void flood.finally(() => (flooding = false));

    // The others, all along: quote the basket, then order it (as a shop page does).
    const placedAt: number[] = [];
    const orders: Array<{ client: number; id: string }> = [];
    const otherAnswers: Status[] = [];
    const shoppers = customers.map(async (client, i) => {
      for (let n = 0; flooding; n++) {
        const quote = await client.request('POST', `${at('order-service')}/v1/quotes`, { body: basket });
        otherAnswers.push(quote);
        const order = await client.request('POST', `${at('order-service')}/v1/orders`, {
          token: tokens[i],
          headers: { 'idempotency-key': `abuse-${run}-${i}-${n}` },
          body: { items: [{ productId, quantity: 1 }], payment: { provider: 'stripe', paymentMethodToken: 'pm_card_visa' } },
        });
        otherAnswers.push(order);
        if (order.status === 202) {
          orders.push({ client: i, id: (order.body as { id: string }).id });
          placedAt.push(Date.now() - started);
        }
        await sleep(2_000);
      }
    });
    // What 127.0.0.1 spends of product-service's per-IP budget while everything runs: the growth
    // of its fixed-window counter (a counter smaller than the last look means a new window began).
    let spentBy127 = 0;
    for (let last = baseline; flooding; ) {
      await sleep(1_000);
      const now = Number((await redis.get(internalKey)) ?? 0);
      spentBy127 += now >= last ? now - last : now;
      last = now;
    }
    const floodAnswers = await flood;
    await Promise.all(shoppers);
    const elapsed = Date.now() - started;

    // The flooding client: a few quotes, then 429 problems; never a 5xx.
    const statuses = floodAnswers.map((answer) => answer.status);
    const served = statuses.filter((status) => status === 200).length;
    const refused = statuses.filter((status) => status === 429).length;
    console.log(`abuse: ${QUOTES} quotes in ${elapsed} ms: ${served} served, ${refused} refused (429); ${orders.length} orders by ${CUSTOMERS} other clients; 127.0.0.1 spent ${spentBy127} of product-service's per-IP budget`);
    expect(served + refused).toBe(QUOTES);
    expect(served).toBeGreaterThanOrEqual(QUOTES_PER_MINUTE);
    expect(served).toBeLessThanOrEqual(2 * QUOTES_PER_MINUTE);

    // The others: every quote served and every order accepted, from the start of the flood to its end.
    expect(otherAnswers.filter((answer) => answer.status !== 200 && answer.status !== 202)).toEqual([]);
    expect(orders.length).toBeGreaterThanOrEqual(CUSTOMERS * 10);
    expect(Math.min(...placedAt)).toBeLessThan(5_000);
    expect(Math.max(...placedAt)).toBeGreaterThan(FLOOD_MS - 5_000);

    // order-service read product-service once per quote and order it served ...
    const batchReads = (await productServed('/v1/products/batch')) - batchReadsBefore;
    expect(batchReads).toBeGreaterThanOrEqual(served + orders.length);
    // ... and none of those calls counted against the clients of 127.0.0.1 there (by IP they
    // would have: order-service calls from 127.0.0.1).
    expect(batchReads).toBeGreaterThan(100);
    expect(spentBy127).toBeLessThan(10);

    // Every order placed during the flood is confirmed by the saga (each customer reads its list:
    // one request per look, well inside its own budget).
    const outcome = new Map<string, string>();
    for (let i = 0; i < 120 && [...outcome.values()].filter((status) => status !== 'PENDING').length < orders.length; i++) {
      if (i > 0) await sleep(1_000);
      for (const [n, client] of customers.entries()) {
        const list = await client.request('GET', `${at('order-service')}/v1/orders?limit=100`, { token: tokens[n] });
        expect(list.status).toBe(200);
        for (const order of (list.body as { items: Array<{ id: string; status: string }> }).items) outcome.set(order.id, order.status);
      }
    }
    expect(orders.map((order) => outcome.get(order.id)).filter((status) => status !== 'CONFIRMED')).toEqual([]);
  }, 300_000);
});
