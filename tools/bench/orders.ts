import { JOURNEY, nth } from '../../loadtests/scenarios/shop';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { log, PLAN, readResult, serviceUrl, writeResult } from './context';
import { Customer, inBatches, type Seed } from './customers';
import { pgbenchTps, serviceCommits } from './pgbench';
import { quantile, round } from './stats';

/** Concurrent customers of the saga levels; the last one also gives orders/s and commits per order. */
export const SAGA_LEVELS = [1, 10, 20];
/** PostgreSQL publishes a backend's counters within a second or so of its transaction (pgstat). */
const STATS_SETTLE_MS = 1_500;
/** How long the idle commit rate is sampled. */
const IDLE_COMMITS_WINDOW_MS = 5_000;

interface Placed {
  placementMs: number;
  status: string;
  /** From the 202 to the order's updatedAt in its final state. */
  sagaMs?: number;
  decidedAt?: number;
}

export interface SagaLevel {
  customers: number;
  placed: number;
  confirmed: number;
  rejected: number;
  undecided: number;
  refused: Record<string, number>;
  placementP50Ms: number;
  sagaP50Ms: number;
  sagaP95Ms: number;
  sagaP99Ms: number;
  confirmedPerSecond: number;
  /** Commits during the level, less what the idle services commit anyway in as long. */
  commits: number;
  commitsPerOrder: number;
  pollsPerOrder: number;
}

export interface OrdersResult {
  pgbench: { tps: number; command: string };
  /** What the five databases commit a second with no traffic (outbox and timeout polls). */
  idleCommitsPerSecond: number;
  levels: SagaLevel[];
  tooManyRequests: number;
  pacedWaits: number;
}

type OrderBody = { id: string; status: string; updatedAt: string };

/**
 * One customer's order, as a shopper places it: JOURNEY.linesPerOrder lines of the seeded catalog,
 * then polls it (50 ms, growing to 1 s) until the saga decides. The saga's time is read from the
 * order's updatedAt, so the polling pace does not enter the figure.
 */
export async function placeOne(customer: Customer, productIds: string[], n: number): Promise<Placed | { refused: number }> {
  const items = Array.from({ length: JOURNEY.linesPerOrder }, (_, line) => ({ productId: nth(productIds, n + line), quantity: JOURNEY.quantity }));
  const started = Date.now();
  const placed = await customer.request('POST', `${serviceUrl('order-service')}/v1/orders`, { items, payment: JOURNEY.payment }, { 'idempotency-key': randomUUID() });
  const accepted = Date.now();
  if (placed.status !== 202) return { refused: placed.status };
  let order = placed.body as OrderBody;
  for (let wait = 50; order.status === 'PENDING' && Date.now() - accepted < JOURNEY.decisionTimeoutMs; wait = Math.min(1_000, wait * 1.5)) {
    await sleep(wait);
    const polled = await customer.request('GET', `${serviceUrl('order-service')}/v1/orders/${order.id}`);
    if (polled.status === 200) order = polled.body as OrderBody;
  }
  const placementMs = accepted - started;
  if (order.status === 'PENDING') return { placementMs, status: 'UNDECIDED' };
  const decidedAt = Date.parse(order.updatedAt);
  return { placementMs, status: order.status, sagaMs: Math.max(0, decidedAt - accepted), decidedAt };
}

/** `concurrency` customers ordering one order at a time for PLAN.sagaSeconds; every order waited for to the end. */
async function level(concurrency: number, customers: Customer[], productIds: string[], idleCommitsPerSecond: number): Promise<SagaLevel> {
  const free = [...customers];
  const orders: Placed[] = [];
  const refused: Record<string, number> = {};
  const requestsBefore = Customer.tally.requests;
  const commitsBefore = await serviceCommits();
  const started = Date.now();
  const deadline = started + PLAN.sagaSeconds * 1_000;
  let n = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) {
        // The least recently used account: each one's budget lasts.
        const customer = free.shift()!;
        const outcome = await placeOne(customer, productIds, n++);
        free.push(customer);
        if ('refused' in outcome) {
          refused[outcome.refused] = (refused[outcome.refused] ?? 0) + 1;
          await sleep(100);
        } else orders.push(outcome);
      }
    }),
  );
  await sleep(STATS_SETTLE_MS);
  const commits = Math.round((await serviceCommits()) - commitsBefore - (idleCommitsPerSecond * (Date.now() - started)) / 1_000);
  const confirmed = orders.filter((o) => o.status === 'CONFIRMED');
  const sagas = confirmed.map((o) => o.sagaMs!);
  const lastDecision = Math.max(started + 1, ...confirmed.map((o) => o.decidedAt!));
  const polls = Customer.tally.requests - requestsBefore - orders.length;
  return {
    customers: concurrency,
    placed: orders.length,
    confirmed: confirmed.length,
    rejected: orders.filter((o) => o.status === 'REJECTED').length,
    undecided: orders.filter((o) => o.status === 'UNDECIDED').length,
    refused,
    placementP50Ms: quantile(orders.map((o) => o.placementMs), 0.5),
    sagaP50Ms: quantile(sagas, 0.5),
    sagaP95Ms: quantile(sagas, 0.95),
    sagaP99Ms: quantile(sagas, 0.99),
    confirmedPerSecond: round(confirmed.length / ((lastDecision - started) / 1_000), 2),
    commits,
    commitsPerOrder: round(commits / Math.max(1, confirmed.length), 1),
    pollsPerOrder: round(polls / Math.max(1, orders.length), 1),
  };
}

/** The five databases' commits a second while nothing is sent (the same settling as a level's). */
async function idleCommitRate(): Promise<number> {
  await sleep(STATS_SETTLE_MS);
  const before = await serviceCommits();
  const started = Date.now();
  await sleep(IDLE_COMMITS_WINDOW_MS);
  return round(((await serviceCommits()) - before) / ((Date.now() - started) / 1_000), 1);
}

export async function measureOrders(): Promise<OrdersResult> {
  const seed = readResult<Seed>('seed');
  if (!seed) throw new Error('no seed: run the seed step first');
  const pgbench = await pgbenchTps(seed.run);
  log(`pgbench: ${pgbench.tps} tps`);
  const customers = seed.customers.map((account) => new Customer(account));
  await inBatches(customers, 4, (customer) => customer.login());
  const idleCommitsPerSecond = await idleCommitRate();
  const levels: SagaLevel[] = [];
  for (const concurrency of SAGA_LEVELS) {
    log(`saga at ${concurrency} concurrent customer(s), ${PLAN.sagaSeconds} s`);
    levels.push(await level(concurrency, customers, seed.productIds, idleCommitsPerSecond));
    log(JSON.stringify(levels[levels.length - 1]));
  }
  customers.forEach((customer) => customer.close());
  const result: OrdersResult = { pgbench, idleCommitsPerSecond, levels, tooManyRequests: Customer.tally.tooMany, pacedWaits: Customer.tally.pacedWaits };
  writeResult('orders', result);
  return result;
}
