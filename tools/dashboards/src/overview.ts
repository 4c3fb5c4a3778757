import * as units from '@grafana/grafana-foundation-sdk/units';
import { ecotrackDashboard, NAMESPACE, namespaceVariable, p95, red, serviceVariable, SERVICES, singleStat, timeSeries } from './panels';

/** The five services' RED metrics side by side, and how the order saga is doing. */
export const overview = () =>
  ecotrackDashboard(
    'ecotrack-overview',
    'EcoTrack / Overview',
    'Requests, errors and durations of the five services, and the order saga: the first page on call.',
    [namespaceVariable(), serviceVariable(SERVICES)],
    [
      { title: 'Services', panels: red('service') },
      {
        title: 'Order saga',
        panels: [
          timeSeries({
            title: 'Sagas finished by outcome',
            description: 'Order sagas finishing per second: completed, rejected (after compensation) or failed (needs an operator).',
            unit: units.OpsPerSecond,
            width: 8,
            queries: [{ expr: `sum by (saga, outcome) (rate(ecotrack_saga_finished_total{${NAMESPACE}}[$__rate_interval]))`, legend: '{{saga}} {{outcome}}' }],
          }),
          timeSeries({
            title: 'Saga duration p95',
            description: '95th percentile of the time from a saga’s start to its final state.',
            unit: units.Seconds,
            width: 8,
            queries: [{ expr: p95('ecotrack_saga_duration_seconds', 'saga, outcome', NAMESPACE), legend: '{{saga}} {{outcome}}' }],
          }),
          singleStat({
            title: 'Sagas stuck or failed',
            description: 'Active sagas older than SAGA_STUCK_AFTER_MS (stuck, failed included) and sagas in FAILED waiting for an operator.',
            unit: units.Short,
            width: 8,
            queries: [
              { expr: `sum(ecotrack_saga_stuck{${NAMESPACE}})`, legend: 'stuck' },
              { expr: `sum(ecotrack_saga_failed{${NAMESPACE}})`, legend: 'failed' },
            ],
          }),
        ],
      },
    ],
  );
