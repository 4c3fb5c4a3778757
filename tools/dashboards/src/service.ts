import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as units from '@grafana/grafana-foundation-sdk/units';
import { consumerLag, databasePanels, ecotrackDashboard, fixedService, namespaceVariable, outbox, p95, red, SCOPE, timeSeries, type ServiceName } from './panels';

/** CPU, memory, event loop, GC and heap: what prom-client's defaults say about the process. */
function runtime(): cog.Builder<dashboard.Panel>[] {
  return [
    timeSeries({
      title: 'CPU',
      description: 'CPU time per second of each process (1 = one core).',
      unit: units.PercentUnit,
      width: 8,
      queries: [{ expr: `rate(process_cpu_seconds_total{${SCOPE}}[$__rate_interval])`, legend: '{{instance}}' }],
    }),
    timeSeries({
      title: 'Memory (resident)',
      description: 'Resident set size of each process.',
      unit: units.BytesIEC,
      width: 8,
      queries: [{ expr: `process_resident_memory_bytes{${SCOPE}}`, legend: '{{instance}}' }],
    }),
    timeSeries({
      title: 'Event loop lag p99',
      description: '99th percentile of the event loop’s delay: high when the process is busy computing.',
      unit: units.Seconds,
      width: 8,
      queries: [{ expr: `nodejs_eventloop_lag_p99_seconds{${SCOPE}}`, legend: '{{instance}}' }],
    }),
    timeSeries({
      title: 'Garbage collection',
      description: 'Share of time spent collecting garbage, by kind of collection.',
      unit: units.PercentUnit,
      queries: [{ expr: `sum by (instance, kind) (rate(nodejs_gc_duration_seconds_sum{${SCOPE}}[$__rate_interval]))`, legend: '{{instance}} {{kind}}' }],
    }),
    timeSeries({
      title: 'Heap',
      description: 'V8 heap used and its current size.',
      unit: units.BytesIEC,
      queries: [
        { expr: `nodejs_heap_size_used_bytes{${SCOPE}}`, legend: '{{instance}} used' },
        { expr: `nodejs_heap_size_total_bytes{${SCOPE}}`, legend: '{{instance}} size' },
      ],
    }),
  ];
}

/** What each service depends on beyond its database and outbox, as its own metrics show it. */
const DEPENDENCIES: Record<ServiceName, () => cog.Builder<dashboard.Panel>[]> = {
  'user-service': () => [],
  'product-service': () => [
    consumerLag(),
    timeSeries({
      title: 'Cache hit ratio',
      description: 'Share of Redis cache lookups that found the entry, by cache (errors count as neither).',
      unit: units.PercentUnit,
      queries: [
        {
          expr: `sum by (cache) (rate(ecotrack_cache_requests_total{${SCOPE}, result="hit"}[$__rate_interval])) / sum by (cache) (rate(ecotrack_cache_requests_total{${SCOPE}, result=~"hit|miss"}[$__rate_interval]))`,
          legend: '{{cache}}',
        },
      ],
    }),
  ],
  'order-service': () => [consumerLag()],
  'payment-service': () => [
    consumerLag(),
    timeSeries({
      title: 'Provider call duration p95',
      description: '95th percentile of the payment gateway calls, by provider and operation.',
      unit: units.Seconds,
      queries: [{ expr: p95('ecotrack_payment_provider_request_duration_seconds', 'provider, operation'), legend: '{{provider}} {{operation}}' }],
    }),
    timeSeries({
      title: 'Provider calls by outcome',
      description: 'Payment operations per second by provider, operation and outcome (declined: the provider said no; failed: error or unreachable).',
      unit: units.OpsPerSecond,
      queries: [{ expr: `sum by (provider, operation, outcome) (rate(ecotrack_payments_total{${SCOPE}}[$__rate_interval]))`, legend: '{{provider}} {{operation}} {{outcome}}' }],
    }),
  ],
  'notification-service': () => [
    consumerLag(),
    timeSeries({
      title: 'Notifications by channel and outcome',
      description: 'Notifications per second: sent, failed, or skipped (preference off or no address).',
      unit: units.OpsPerSecond,
      queries: [{ expr: `sum by (channel, outcome) (rate(ecotrack_notifications_total{${SCOPE}}[$__rate_interval]))`, legend: '{{channel}} {{outcome}}' }],
    }),
    timeSeries({
      title: 'Delivery latency p95',
      description: '95th percentile of the time from the event to the provider accepting the notification, by channel.',
      unit: units.Seconds,
      queries: [{ expr: p95('ecotrack_notification_delivery_seconds', 'channel'), legend: '{{channel}}' }],
    }),
  ],
};

/** One service: RED by route, its runtime, and its dependencies (database, Kafka, the rest). */
export const serviceDashboard = (service: ServiceName) =>
  ecotrackDashboard(
    `ecotrack-${service}`,
    `EcoTrack / ${service}`,
    `${service}: HTTP requests by route, the Node.js runtime, and its dependencies.`,
    [namespaceVariable(), fixedService(service)],
    [
      { title: 'Requests by route', panels: red('route') },
      { title: 'Runtime', panels: runtime() },
      { title: 'Database', panels: databasePanels('operation') },
      { title: 'Kafka and dependencies', panels: [...outbox(), ...DEPENDENCIES[service]()] },
    ],
  );
