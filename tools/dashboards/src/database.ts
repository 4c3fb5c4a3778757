import * as units from '@grafana/grafana-foundation-sdk/units';
import { databasePanels, ecotrackDashboard, namespaceVariable, SCOPE, serviceVariable, SERVICES, timeSeries } from './panels';

/** The five databases as their services' pools see them (PostgreSQL's own view: postgres_exporter, docs). */
export const database = () =>
  ecotrackDashboard(
    'ecotrack-database',
    'EcoTrack / Database',
    'Connection pools, query durations by operation and slow queries of every service’s database.',
    [namespaceVariable(), serviceVariable(SERVICES)],
    [
      {
        title: 'Pools',
        panels: [
          timeSeries({
            title: 'Pool utilisation',
            description: 'Connections in use as a share of the pool size (DATABASE_POOL_MAX).',
            unit: units.PercentUnit,
            width: 12,
            queries: [
              {
                expr: `sum by (service) (ecotrack_db_pool_connections{${SCOPE}, state="in_use"}) / sum by (service) (ecotrack_db_pool_max_connections{${SCOPE}})`,
                legend: '{{service}}',
              },
            ],
          }),
          timeSeries({
            title: 'Callers waiting for a connection',
            description: 'Requests queued for a pool connection: above zero the pool is saturated.',
            unit: units.Short,
            width: 12,
            queries: [{ expr: `sum by (service) (ecotrack_db_pool_waiting_requests{${SCOPE}})`, legend: '{{service}}' }],
          }),
        ],
      },
      { title: 'Queries', panels: databasePanels('service') },
      {
        title: 'Throughput',
        panels: [
          timeSeries({
            title: 'Queries by operation',
            description: 'Queries per second by service and SQL operation.',
            unit: units.OpsPerSecond,
            width: 24,
            queries: [{ expr: `sum by (service, operation) (rate(ecotrack_db_query_duration_seconds_count{${SCOPE}}[$__rate_interval]))`, legend: '{{service}} {{operation}}' }],
          }),
        ],
      },
    ],
  );
