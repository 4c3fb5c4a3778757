import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import * as units from '@grafana/grafana-foundation-sdk/units';

/** The five services, as the `service` label names them. */
export const SERVICES = ['user-service', 'product-service', 'order-service', 'payment-service', 'notification-service'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** Every query goes to the data source the `datasource` variable picks. */
const DATASOURCE: common.DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

/**
 * Label matchers every query carries. `namespace` is "All" (.*) by default: the chart's
 * ServiceMonitor adds the label, the local and compose Prometheus do not, and .* matches both.
 */
export const SCOPE = 'namespace=~"$namespace", service=~"$service"';
export const NAMESPACE = 'namespace=~"$namespace"';

/**
 * The one phrase that marks a panel the journey may leave empty, with its condition
 * ("Empty when: no order was rejected."): shown to the reader in the panel's description,
 * read by the panel-query test (tests/e2e/dashboards.e2e-spec.ts).
 */
export const EMPTY_WHEN = 'Empty when: ';

export function emptyWhenOf(panel: { description?: string }): string | undefined {
  const at = panel.description?.indexOf(EMPTY_WHEN) ?? -1;
  return at < 0 ? undefined : panel.description!.slice(at + EMPTY_WHEN.length);
}

export interface Query {
  expr: string;
  legend?: string;
}

export interface PanelSpec {
  title: string;
  description: string;
  unit: string;
  queries: Query[];
  /** The condition under which the journey leaves it empty (see EMPTY_WHEN). */
  emptyWhen?: string;
  /** Grid width (of 24); default 12. */
  width?: number;
}

function targets(queries: Query[]): cog.Builder<cog.Dataquery>[] {
  return queries.map((query, i) =>
    new prometheus.DataqueryBuilder()
      .refId(String.fromCharCode(65 + i))
      .datasource(DATASOURCE)
      .expr(query.expr)
      .legendFormat(query.legend ?? '__auto'),
  );
}

const describe = (spec: PanelSpec) => (spec.emptyWhen ? `${spec.description} ${EMPTY_WHEN}${spec.emptyWhen}` : spec.description);

export function timeSeries(spec: PanelSpec): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder()
    .title(spec.title)
    .description(describe(spec))
    .datasource(DATASOURCE)
    .unit(spec.unit)
    .min(0)
    .span(spec.width ?? 12)
    .height(8)
    .fillOpacity(10)
    .legend(new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom))
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending))
    .targets(targets(spec.queries));
}

/** One number (or one per series) over the dashboard's time range. */
export function singleStat(spec: PanelSpec): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title(spec.title)
    .description(describe(spec))
    .datasource(DATASOURCE)
    .unit(spec.unit)
    .span(spec.width ?? 6)
    .height(5)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .targets(targets(spec.queries.map((query) => ({ legend: query.legend, expr: query.expr }))));
}

// ---- template variables ------------------------------------------------------------------

export function datasourceVariable(): dashboard.DatasourceVariableBuilder {
  return new dashboard.DatasourceVariableBuilder('datasource').label('Data source').type('prometheus');
}

export function namespaceVariable(): dashboard.QueryVariableBuilder {
  return new dashboard.QueryVariableBuilder('namespace')
    .label('Namespace')
    .datasource(DATASOURCE)
    .query('label_values(http_server_request_duration_seconds_count, namespace)')
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .includeAll(true)
    .allValue('.*')
    .current({ text: 'All', value: '$__all' });
}

/** A choice among the services the dashboard is about; "All" by default. */
export function serviceVariable(services: readonly ServiceName[]): dashboard.CustomVariableBuilder {
  return new dashboard.CustomVariableBuilder('service')
    .label('Service')
    .values(services.join(','))
    .options(services.map((service) => ({ text: service, value: service })))
    .multi(true)
    .includeAll(true)
    .current({ text: 'All', value: '$__all' });
}

/** A dashboard about one service: the variable is fixed (and hidden) so its queries read like the others. */
export function fixedService(service: ServiceName): dashboard.ConstantVariableBuilder {
  return new dashboard.ConstantVariableBuilder('service').value(service);
}

// ---- the panels several dashboards share ---------------------------------------------------

const HTTP = 'http_server_request_duration_seconds';

/**
 * Rate, errors and duration of HTTP requests, grouped by `by` (service or route). The error ratio
 * adds a zero series for every group with traffic, so "no 5xx" reads as 0 %, not as no data.
 */
export function red(by: 'service' | 'route', width = 8): timeseries.PanelBuilder[] {
  const all = `sum by (${by}) (rate(${HTTP}_count{${SCOPE}}[$__rate_interval]))`;
  const failed = `sum by (${by}) (rate(${HTTP}_count{${SCOPE}, status_code=~"5.."}[$__rate_interval]))`;
  const legend = `{{${by}}}`;
  return [
    timeSeries({ title: `Requests by ${by}`, description: 'HTTP requests per second.', unit: units.RequestsPerSecond, width, queries: [{ expr: all, legend }] }),
    timeSeries({
      title: `Errors (5xx) by ${by}`,
      description: 'Share of HTTP requests answered with a 5xx status.',
      unit: units.PercentUnit,
      width,
      queries: [{ expr: `(${failed} or ${all} * 0) / ${all}`, legend }],
    }),
    timeSeries({
      title: `Duration p95 by ${by}`,
      description: '95th percentile of the HTTP request duration.',
      unit: units.Seconds,
      width,
      queries: [{ expr: `histogram_quantile(0.95, sum by (${by}, le) (rate(${HTTP}_bucket{${SCOPE}}[$__rate_interval])))`, legend }],
    }),
  ];
}

/** p95 of a histogram, by the given labels. */
export function p95(metric: string, by: string, selector = SCOPE): string {
  return `histogram_quantile(0.95, sum by (${by}, le) (rate(${metric}_bucket{${selector}}[$__rate_interval])))`;
}

/** Outbox backlog and the age of its oldest row: the producing side of Kafka. */
export function outbox(width = 12): timeseries.PanelBuilder[] {
  return [
    timeSeries({
      title: 'Outbox backlog',
      description: 'Outbox rows not yet published to Kafka.',
      unit: units.Short,
      width,
      queries: [{ expr: `sum by (service) (ecotrack_outbox_backlog{${SCOPE}})`, legend: '{{service}}' }],
    }),
    timeSeries({
      title: 'Outbox oldest row age',
      description: 'Age of the oldest unpublished outbox row: the relay is behind when it grows.',
      unit: units.Seconds,
      width,
      queries: [{ expr: `max by (service) (ecotrack_outbox_oldest_age_seconds{${SCOPE}})`, legend: '{{service}}' }],
    }),
  ];
}

export function consumerLag(width = 12): timeseries.PanelBuilder {
  return timeSeries({
    title: 'Consumer lag by group and topic',
    description: 'Messages behind the end of each topic, summed over partitions.',
    unit: units.Short,
    width,
    queries: [{ expr: `sum by (group, topic) (ecotrack_consumer_lag{${SCOPE}})`, legend: '{{group}} {{topic}}' }],
  });
}

/** The connection pool and query durations of libs/platform/src/database. */
export function databasePanels(by: 'service' | 'operation'): timeseries.PanelBuilder[] {
  const perService = by === 'service';
  return [
    timeSeries({
      title: 'Connection pool',
      description: 'Connections in use and idle, the pool size (DATABASE_POOL_MAX), and callers waiting for a connection.',
      unit: units.Short,
      width: 8,
      queries: [
        { expr: `sum by (service, state) (ecotrack_db_pool_connections{${SCOPE}})`, legend: perService ? '{{service}} {{state}}' : '{{state}}' },
        { expr: `sum by (service) (ecotrack_db_pool_max_connections{${SCOPE}})`, legend: perService ? '{{service}} max' : 'max' },
        { expr: `sum by (service) (ecotrack_db_pool_waiting_requests{${SCOPE}})`, legend: perService ? '{{service}} waiting' : 'waiting' },
      ],
    }),
    timeSeries({
      title: 'Query duration p95 by operation',
      description: '95th percentile of the database query duration, by SQL operation.',
      unit: units.Seconds,
      width: 8,
      queries: [{ expr: p95('ecotrack_db_query_duration_seconds', 'service, operation'), legend: perService ? '{{service}} {{operation}}' : '{{operation}}' }],
    }),
    timeSeries({
      title: 'Slow queries',
      description: 'Queries slower than DATABASE_SLOW_QUERY_MS (default 500 ms) per second; each one is logged at warn with its statement.',
      unit: units.OpsPerSecond,
      width: 8,
      emptyWhen: 'no query was slower than DATABASE_SLOW_QUERY_MS.',
      queries: [{ expr: `sum by (service, operation) (rate(ecotrack_db_slow_queries_total{${SCOPE}}[$__rate_interval]))`, legend: perService ? '{{service}} {{operation}}' : '{{operation}}' }],
    }),
  ];
}

// ---- the dashboard frame ---------------------------------------------------------------------

export interface Row {
  title: string;
  panels: cog.Builder<dashboard.Panel>[];
}

/** A dashboard with the house defaults: UTC, the last hour, refreshed every 30 s, tagged ecotrack. */
export function ecotrackDashboard(uid: string, title: string, description: string, variables: cog.Builder<dashboard.VariableModel>[], rows: Row[]): dashboard.Dashboard {
  const builder = new dashboard.DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(['ecotrack'])
    .timezone('utc')
    .time({ from: 'now-1h', to: 'now' })
    .refresh('30s')
    .readonly()
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .variables([datasourceVariable(), ...variables]);
  for (const row of rows) {
    builder.withRow(new dashboard.RowBuilder(row.title));
    for (const panel of row.panels) builder.withPanel(panel);
  }
  const built = builder.build();
  // Stable ids in layout order: Grafana links and the tests name panels by them.
  (built.panels ?? []).forEach((panel, i) => (panel.id = i + 1));
  return built;
}
