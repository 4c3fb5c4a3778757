/**
 * The anonymous browse mix (BROWSE_MIX of loadtests/scenarios/shop.ts: product reads, searches,
 * catalog pages) at a constant arrival rate.
 *   k6 run loadtests/k6/browse.ts            BROWSE_RATE requests/s (50) for DURATION (1m)
 */
import exec from 'k6/execution';
import type { Options, Scenario } from 'k6/options';
import { BROWSE_MIX, SEARCH_TERMS, nth, pickWeighted, type BrowseRequest } from '../scenarios/shop.ts';
import { envNumber, prepareCatalog, send, type CatalogData } from './lib/ecotrack.ts';

/**
 * Reads are the hot path: most hit product-service's cache. Held per scenario, so the spike and
 * soak scripts hold their browse traffic to the same.
 */
export const BROWSE_THRESHOLDS = {
  'http_req_failed{scenario:browse}': ['rate<0.01'],
  'http_req_duration{scenario:browse}': ['p(95)<200', 'p(99)<500'],
  // Request names avoid braces and commas: k6 parses the tags of a threshold's name out of these.
  'http_req_duration{scenario:browse,name:GET /v1/products/:id}': ['p(95)<100', 'p(99)<250'],
  'checks{scenario:browse}': ['rate>0.99'],
  ecotrack_rate_limited: ['count==0'],
};

/** BROWSE_RATE requests a second, whatever the latency (an open model: slow answers do not slow the load). */
export function steadyBrowse(duration: string): Scenario {
  return { executor: 'constant-arrival-rate', exec: 'browse', rate: envNumber('BROWSE_RATE', 50), timeUnit: '1s', duration, preAllocatedVUs: 20, maxVUs: 200 };
}

export const options: Options = {
  scenarios: { browse: steadyBrowse(__ENV.DURATION || '1m') },
  thresholds: BROWSE_THRESHOLDS,
};

export const setup = prepareCatalog;

const requests: Record<BrowseRequest, (data: CatalogData, n: number) => void> = {
  productRead: (data, n) =>
    send('GET', 'product-service', `/v1/products/${nth(data.productIds, n)}`, undefined, { name: 'GET /v1/products/:id', expect: 200 }),
  search: (_, n) =>
    send('GET', 'product-service', `/v1/products/search?q=${encodeURIComponent(nth(SEARCH_TERMS, n))}`, undefined, {
      name: 'GET /v1/products/search',
      expect: 200,
    }),
  productList: () => send('GET', 'product-service', '/v1/products?limit=20', undefined, { name: 'GET /v1/products', expect: 200 }),
};

/** One anonymous request of the mix. */
export function browse(data: CatalogData): void {
  requests[pickWeighted(BROWSE_MIX, Math.random())](data, exec.scenario.iterationInTest);
}
