/**
 * Soak: the browse mix and the journey together at their steady rates (BROWSE_RATE, JOURNEY_RATE)
 * for DURATION (1h), held to the steady thresholds the whole time: what leaks or drifts (memory,
 * connection pools, outbox backlog, cache) shows as latency or errors late in the run.
 *   k6 run loadtests/k6/soak.ts
 */
import type { Options } from 'k6/options';
import { BROWSE_THRESHOLDS, steadyBrowse } from './browse.ts';
import { JOURNEY_THRESHOLDS, steadyJourneys } from './journey.ts';

export { browse } from './browse.ts';
export { journey } from './journey.ts';
export { prepareCatalog as setup } from './lib/ecotrack.ts';

const duration = __ENV.DURATION || '1h';

export const options: Options = {
  scenarios: { browse: steadyBrowse(duration), journey: steadyJourneys(duration) },
  thresholds: { ...BROWSE_THRESHOLDS, ...JOURNEY_THRESHOLDS },
};
