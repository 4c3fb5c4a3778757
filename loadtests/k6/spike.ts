/**
 * Spike: the browse mix runs at BROWSE_RATE, jumps to SPIKE_FACTOR (10) times that in 10 s, holds
 * it a minute, drops back and has two minutes to recover; new customers keep arriving at
 * JOURNEY_RATE throughout, so what the spike does to logins and the order saga shows too.
 *   k6 run loadtests/k6/spike.ts             4m20s
 * Looser than the steady thresholds: a spike may slow answers down, but must not fail requests or orders.
 */
import type { Options } from 'k6/options';
import { envNumber } from './lib/ecotrack.ts';
import { steadyJourneys } from './journey.ts';

export { browse } from './browse.ts';
export { journey } from './journey.ts';
export { prepareCatalog as setup } from './lib/ecotrack.ts';

const base = envNumber('BROWSE_RATE', 50);
const peak = base * envNumber('SPIKE_FACTOR', 10);
const stages = [
  { duration: '1m', target: base },
  { duration: '10s', target: peak },
  { duration: '1m', target: peak },
  { duration: '10s', target: base },
  { duration: '2m', target: base },
];

export const options: Options = {
  scenarios: {
    browse: { executor: 'ramping-arrival-rate', exec: 'browse', startRate: base, timeUnit: '1s', stages, preAllocatedVUs: 50, maxVUs: 1000 },
    journey: steadyJourneys('4m20s'),
  },
  thresholds: {
    http_req_failed: ['rate<0.02'],
    'http_req_duration{scenario:browse}': ['p(95)<500', 'p(99)<2000'],
    'http_req_duration{scenario:journey}': ['p(95)<1000', 'p(99)<3000'],
    checks: ['rate>0.98'],
    ecotrack_order_confirmed: ['rate>0.98'],
    ecotrack_saga_decision: ['p(95)<3000', 'p(99)<10000'],
    ecotrack_rate_limited: ['count==0'],
  },
};
