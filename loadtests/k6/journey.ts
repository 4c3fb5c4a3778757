/**
 * The whole customer journey (JOURNEY of loadtests/scenarios/shop.ts): register, log in, search,
 * order, poll the order until its saga confirms or rejects it.
 *   k6 run loadtests/k6/journey.ts           JOURNEY_RATE journeys a minute (10) for DURATION (2m)
 */
import { sleep } from 'k6';
import exec from 'k6/execution';
import { Counter, Rate, Trend } from 'k6/metrics';
import type { Options, Scenario } from 'k6/options';
import { JOURNEY, SEARCH_TERMS, nth } from '../scenarios/shop.ts';
import { bodyOf, envNumber, login, prepareCatalog, randomHex, register, send, type CatalogData, type Response } from './lib/ecotrack.ts';

const confirmed = new Counter('ecotrack_orders_confirmed');
const rejected = new Counter('ecotrack_orders_rejected');
/** Still PENDING after JOURNEY.decisionTimeoutMs: the saga is stuck or far behind. */
const undecided = new Counter('ecotrack_orders_undecided');
/** Of the orders placed, the share CONFIRMED (seeded stock and a test card: all of them should be). */
const confirmedShare = new Rate('ecotrack_order_confirmed');
/** From the 202 of POST /v1/orders until a poll sees CONFIRMED or REJECTED, as the customer waits. */
const sagaDecision = new Trend('ecotrack_saga_decision', true);

/** Issue 13's saga targets: p95 at most 1 s at 20 concurrent customers. */
export const JOURNEY_THRESHOLDS = {
  'http_req_failed{scenario:journey}': ['rate<0.01'],
  'http_req_duration{scenario:journey}': ['p(95)<500', 'p(99)<1000'],
  'checks{scenario:journey}': ['rate>0.99'],
  ecotrack_order_confirmed: ['rate>0.99'],
  ecotrack_saga_decision: ['p(95)<1000', 'p(99)<3000'],
  ecotrack_rate_limited: ['count==0'],
};

/** New customers at JOURNEY_RATE a minute; each VU waits for its order's decision, so allow many. */
export function steadyJourneys(duration: string): Scenario {
  return { executor: 'constant-arrival-rate', exec: 'journey', rate: envNumber('JOURNEY_RATE', 10), timeUnit: '1m', duration, preAllocatedVUs: 5, maxVUs: 100 };
}

export const options: Options = {
  scenarios: { journey: steadyJourneys(__ENV.DURATION || '2m') },
  thresholds: JOURNEY_THRESHOLDS,
};

export const setup = prepareCatalog;

interface Order {
  id: string;
  status: 'PENDING' | 'CONFIRMED' | 'REJECTED' | string;
  rejectionReason: string | null;
}

const searchCall = { name: 'GET /v1/products/search', expect: 200 };

/** One customer from registration to a decided order. */
export function journey(data: CatalogData): void {
  const account = register();
  const token = account && login(account);
  if (!token) return;

  const n = exec.scenario.iterationInTest;
  const search = send('GET', 'product-service', `/v1/products/search?q=${encodeURIComponent(nth(SEARCH_TERMS, n))}`, undefined, searchCall);
  const found = bodyOf<{ items: { id: string }[] }>(search, searchCall)?.items.map((item) => item.id) ?? [];

  const placeCall = { name: 'POST /v1/orders', expect: 202, token, headers: { 'Idempotency-Key': randomHex(16) } };
  const items = basket(data.productIds, found, n).map((productId) => ({ productId, quantity: JOURNEY.quantity }));
  const placed = bodyOf<Order>(send('POST', 'order-service', '/v1/orders', { items, payment: JOURNEY.payment }, placeCall), placeCall);
  if (!placed) return;

  const started = Date.now();
  const decided = awaitDecision(placed, token);
  if (decided.status === 'PENDING') {
    undecided.add(1);
    confirmedShare.add(false);
    return;
  }
  sagaDecision.add(Date.now() - started, { outcome: decided.status });
  confirmedShare.add(decided.status === 'CONFIRMED');
  if (decided.status === 'CONFIRMED') confirmed.add(1);
  else rejected.add(1, { reason: decided.rejectionReason ?? 'none' });
}

/**
 * What the customer puts in the basket: what the search found among this run's products, topped
 * up from the run's catalog, JOURNEY.linesPerOrder distinct products (fewer if the catalog is smaller).
 */
function basket(catalog: string[], found: string[], n: number): string[] {
  const lines = Math.min(JOURNEY.linesPerOrder, catalog.length);
  const picks = new Set(found.filter((id) => catalog.includes(id)).slice(0, lines));
  for (let k = 0; picks.size < lines; k++) picks.add(nth(catalog, n + k));
  return [...picks];
}

const pollCall = { name: 'GET /v1/orders/:id', expect: 200 };

/** Polls the order every JOURNEY.pollIntervalMs until it leaves PENDING or the timeout passes. */
function awaitDecision(order: Order, token: string): Order {
  const deadline = Date.now() + JOURNEY.decisionTimeoutMs;
  let current = order;
  while (current.status === 'PENDING' && Date.now() < deadline) {
    sleep(JOURNEY.pollIntervalMs / 1000);
    const response = send('GET', 'order-service', `/v1/orders/${order.id}`, undefined, { ...pollCall, token });
    current = bodyOf<Order>(response, pollCall) ?? current;
    // A 429 is counted (a failed request); asking again before Retry-After would only add more.
    if (response.status === 429) sleep(retryAfterSeconds(response));
  }
  return current;
}

function retryAfterSeconds(response: Response): number {
  const seconds = Number(response.headers['Retry-After']);
  return seconds > 0 ? seconds : 1;
}
