import { port, WORKSPACE_ROOT } from '@ecotrack/testing';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/**
 * The alerts and what hangs on them, as files: every alert (Prometheus rules, and Loki's log-based
 * rules where they exist) links its runbook page and has one, every page belongs to an alert, every
 * Prometheus alert is unit-tested by promtool both firing and not firing, alerts use only metrics
 * the services or known exporters export, and the Alertmanager configuration is the same wherever it
 * is deployed and names real alerts. What the rules and routes DO is tested by promtool and amtool
 * (tools/k8s/validate.sh) and end to end by tests/e2e/alerting.e2e-spec.ts.
 */
const root = (...parts: string[]) => path.join(WORKSPACE_ROOT, ...parts);
const read = (...parts: string[]) => readFileSync(root(...parts), 'utf8');
const yamlFiles = (dir: string) => (existsSync(root(dir)) ? readdirSync(root(dir)).filter((f) => f.endsWith('.yaml')).map((f) => path.join(dir, f)) : []);

/** The runbook links as committed; the chart (runbookBaseUrl) and the local stack replace this prefix. */
const UPSTREAM_RUNBOOKS = 'https://github.com/ecotrack/ecotrack/blob/main/docs/runbooks/';
const RUNBOOKS = 'docs/runbooks';
const SECTIONS = ['## Meaning', '## Impact', '## First checks', '## Remedies', '## Escalation'];

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface Alert extends Rule {
  alert: string;
  file: string;
}
const rulesOf = (file: string): Rule[] => (parse(read(file)) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
const alertsIn = (dir: string): Alert[] => yamlFiles(dir).flatMap((file) => rulesOf(file).filter((r): r is Alert => Boolean(r.alert)).map((r) => ({ ...r, file })));

const prometheusAlerts = alertsIn('helm/ecotrack/files/prometheus-rules');
const lokiAlerts = alertsIn('helm/ecotrack/files/loki-rules');
const allAlerts = [...prometheusAlerts, ...lokiAlerts];
const names = allAlerts.map((a) => a.alert);
const recorded = new Set(yamlFiles('helm/ecotrack/files/prometheus-rules').flatMap((f) => rulesOf(f).flatMap((r) => (r.record ? [r.record] : []))));

/**
 * The metric catalog (issue 16's, every series also labelled `service`; issue 17's backup agent), and the known exporters'.
 * A histogram brings its _bucket, _count and _sum.
 */
const CATALOG = [
  'http_server_request_duration_seconds',
  'ecotrack_outbox_backlog', 'ecotrack_outbox_oldest_age_seconds', 'ecotrack_outbox_published_total', 'ecotrack_outbox_publish_failures_total',
  'ecotrack_messages_consumed_total', 'ecotrack_dead_letters_total', 'ecotrack_consumer_lag', 'ecotrack_consumer_restarts_total', 'ecotrack_consumer_in_group',
  'ecotrack_saga_started_total', 'ecotrack_saga_finished_total', 'ecotrack_saga_compensations_total', 'ecotrack_saga_duration_seconds', 'ecotrack_saga_stuck',
  'ecotrack_saga_failed', 'ecotrack_saga_timeouts_total', 'ecotrack_saga_replies_ignored_total', 'ecotrack_saga_resumed_total',
  'ecotrack_cache_requests_total',
  'ecotrack_secrets_lease_ttl_seconds', 'ecotrack_secrets_rotations_total', 'ecotrack_secrets_jwt_signing_key_age_seconds',
  'ecotrack_user_registrations_total', 'ecotrack_user_logins_total', 'ecotrack_user_email_verifications_total',
  'ecotrack_order_quotes_total', 'ecotrack_orders_placed_total', 'ecotrack_orders_confirmed_total', 'ecotrack_orders_rejected_total', 'ecotrack_orders_cancelled_total',
  'ecotrack_revenue_minor_units_total', 'ecotrack_carbon_footprint_sold_kilograms_total',
  'ecotrack_payments_total', 'ecotrack_refunded_minor_units_total', 'ecotrack_payment_provider_request_duration_seconds',
  'ecotrack_notifications_total', 'ecotrack_notification_delivery_seconds',
  'ecotrack_db_pool_connections', 'ecotrack_db_pool_waiting_requests', 'ecotrack_db_pool_max_connections', 'ecotrack_db_query_duration_seconds', 'ecotrack_db_slow_queries_total',
  // The local backup agent's (issue 17, service="backup"; docs/observability/metrics.md, "Backup and recovery").
  'ecotrack_backup_last_success_timestamp_seconds', 'ecotrack_backup_runs_total',
  'ecotrack_replica_connected', 'ecotrack_replica_lag_bytes', 'ecotrack_replica_lag_seconds',
  'ecotrack_wal_archived_total', 'ecotrack_wal_archive_failures_total', 'ecotrack_wal_last_archived_timestamp_seconds',
];
const EXPORTERS = [
  /^up$/, // Prometheus itself, per target
  /^(process|nodejs)_[a-z0-9_]+$/, // prom-client's default metrics in every service
  /^certmanager_certificate_[a-z_]+$/, // cert-manager
  /^kube_cronjob_status_last_successful_time$/, // kube-state-metrics: the chart's backup CronJobs on EKS
];
const known = (metric: string) =>
  recorded.has(metric) || CATALOG.includes(metric.replace(/_(bucket|count|sum)$/, '')) || CATALOG.includes(metric) || EXPORTERS.some((e) => e.test(metric));

/** PromQL's words that are not metrics: functions, aggregations, operators, modifiers. */
const PROMQL_WORDS = new Set(
  ('sum min max avg count stddev stdvar topk bottomk quantile count_values group by without on ignoring group_left group_right and or unless bool offset ' +
    'rate irate increase delta idelta deriv changes resets histogram_quantile abs ceil floor round clamp clamp_min clamp_max time timestamp vector scalar ' +
    'absent absent_over_time label_replace label_join sort sort_desc predict_linear ' +
    'avg_over_time min_over_time max_over_time sum_over_time count_over_time last_over_time quantile_over_time stddev_over_time present_over_time inf nan').split(' '),
);
/** The metric names a PromQL expression reads: strings, label matchers, grouping labels, ranges and durations (offset) removed. */
function metricsOf(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b\d+(?:\.\d+)?(?:ms|[smhdwy])\b/g, '');
  return [...new Set((bare.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? []).filter((word) => !PROMQL_WORDS.has(word)))];
}

interface PromtoolTest {
  rule_files: string[];
  tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
}
const promtoolTests = yamlFiles('helm/ecotrack/tests/prometheus').map((file) => ({ file, suite: parse(read(file)) as PromtoolTest }));

describe('alert rules', () => {
  it('exist, with unique names, and the Loki rules are read where they exist', () => {
    expect(prometheusAlerts.length).toBeGreaterThanOrEqual(25);
    expect(names).toEqual([...new Set(names)]);
    for (const alert of names) expect(alert).toMatch(/^EcoTrack[A-Z][A-Za-z0-9]+$/);
  });

  it.each(allAlerts.map((a) => [a.alert, a] as const))('%s: severity, routing labels and annotations', (_name, alert) => {
    expect(['critical', 'warning', 'info']).toContain(alert.labels?.severity);
    expect(Object.keys(alert.annotations ?? {}).sort()).toEqual(['description', 'runbook_url', 'summary']);
    expect(alert.annotations?.runbook_url).toBe(`${UPSTREAM_RUNBOOKS}${alert.alert}.md`);
    expect(existsSync(root(RUNBOOKS, `${alert.alert}.md`))).toBe(true);
  });

  it.each(prometheusAlerts.map((a) => [a.alert, a] as const))('%s reads only metrics of the catalog, known exporters or recording rules', (_name, alert) => {
    const unknown = metricsOf(alert.expr).filter((metric) => !known(metric));
    expect(unknown).toEqual([]);
  });

  it('the metric check is not vacuous', () => {
    expect(metricsOf('sum by (namespace, service) (rate(ecotrack_orders_placed_total{currency="EUR"}[5m] offset 1h)) / on(service) max(up) > 0.5')).toEqual([
      'ecotrack_orders_placed_total',
      'up',
    ]);
    expect(known('ecotrack_orders_placed_totals')).toBe(false);
    expect(known('http_server_request_duration_seconds_bucket')).toBe(true);
  });

  it.each(prometheusAlerts.map((a) => [a.alert, a] as const))('%s is unit-tested by promtool, firing and not firing', (_name, alert) => {
    const cases = promtoolTests
      .filter(({ file, suite }) => suite.rule_files.some((rules) => path.resolve(path.dirname(root(file)), rules) === root(alert.file)))
      .flatMap(({ suite }) => suite.tests.flatMap((t) => t.alert_rule_test ?? []))
      .filter((c) => c.alertname === alert.alert);
    expect(cases.some((c) => (c.exp_alerts ?? []).length > 0)).toBe(true);
    expect(cases.some((c) => (c.exp_alerts ?? []).length === 0)).toBe(true);
  });
});

describe('runbooks (docs/runbooks)', () => {
  const pages = readdirSync(root(RUNBOOKS)).filter((f) => f.endsWith('.md') && f !== 'README.md');
  const index = read(RUNBOOKS, 'README.md');

  it('every page belongs to an alert, and the index links every alert', () => {
    expect(pages.map((p) => p.replace(/\.md$/, '')).sort()).toEqual([...names].sort());
    for (const alert of names) expect(index).toContain(`](${alert}.md)`);
  });

  it.each(pages)('%s has its title, the five sections, and links that resolve', (page) => {
    const text = read(RUNBOOKS, page);
    expect(text.split('\n')[0]).toBe(`# ${page.replace(/\.md$/, '')}`);
    const sections = text.split('\n').filter((line) => SECTIONS.includes(line));
    expect(sections.sort()).toEqual([...SECTIONS].sort());
    for (const [, target] of text.matchAll(/\]\(([^)#]+\.md)(?:#[^)]*)?\)/g)) {
      expect([page, target, existsSync(path.join(root(RUNBOOKS), target))]).toEqual([page, target, true]);
    }
  });
});

describe('Alertmanager configuration', () => {
  interface Route {
    receiver?: string;
    group_by?: string[];
    matchers?: string[];
    routes?: Route[];
  }
  interface AlertmanagerConfig {
    route: Route;
    inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[];
    receivers: { name: string }[];
  }
  const config = parse(read('deploy/observability/alertmanager.yaml')) as AlertmanagerConfig;

  it('is the same in kube-prometheus-stack-values.yaml', () => {
    const values = parse(read('deploy/observability/kube-prometheus-stack-values.yaml')) as { alertmanager: { config: unknown } };
    expect(values.alertmanager.config).toEqual(config);
  });

  it('groups by alert, namespace and service, and routes every severity the rules use', () => {
    expect(config.route.group_by).toEqual(['alertname', 'namespace', 'service']);
    const routed = (config.route.routes ?? []).flatMap((r) => r.matchers ?? []);
    for (const severity of new Set(allAlerts.map((a) => a.labels?.severity))) expect(routed).toContain(`severity="${severity}"`);
    const receivers = config.receivers.map((r) => r.name);
    for (const route of [config.route, ...(config.route.routes ?? [])]) expect(receivers).toContain(route.receiver);
  });

  it('names only alerts that exist in its inhibitions, and each matches at least one', () => {
    const matchers = config.inhibit_rules.flatMap((rule) => [...rule.source_matchers, ...rule.target_matchers]).filter((m) => m.startsWith('alertname'));
    for (const matcher of matchers) {
      const [, op, value] = /^alertname(=~|=)"(.*)"$/.exec(matcher) ?? [];
      const matches = names.filter((name) => (op === '=' ? name === value : new RegExp(`^(?:${value})$`).test(name)));
      expect([matcher, matches.length > 0]).toEqual([matcher, true]);
    }
    // A service down silences its symptoms: they carry the service label the inhibition compares.
    const serviceDown = config.inhibit_rules.find((rule) => rule.source_matchers.includes('alertname="EcoTrackServiceDown"'));
    expect(serviceDown?.equal).toEqual(['namespace', 'service']);
    const [, pattern] = /^alertname=~"(.*)"$/.exec(serviceDown?.target_matchers[0] ?? '') ?? [];
    const symptoms = prometheusAlerts.filter((a) => new RegExp(`^(?:${pattern})$`).test(a.alert));
    expect(symptoms.map((a) => a.alert)).toEqual(expect.arrayContaining(['EcoTrackErrorBudgetBurnFast', 'EcoTrackLatencyBudgetBurnFast', 'EcoTrackConsumerGroupDown', 'EcoTrackSagaFailed']));
    for (const symptom of symptoms) expect([symptom.alert, /\bservice\b/.test(symptom.expr)]).toEqual([symptom.alert, true]);
  });

  it('the local Alertmanager is where compose and the committed Prometheus config say, on the port table', () => {
    const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, { ports: string[]; command: string[] }> };
    expect(compose.services.alertmanager.ports).toEqual([`127.0.0.1:${port('ALERTMANAGER')}:${port('ALERTMANAGER')}`]);
    expect(compose.services.alertmanager.command).toContain(`--web.listen-address=0.0.0.0:${port('ALERTMANAGER')}`);
    const prometheus = parse(read('tools/stack/prometheus/prometheus.yml')) as { alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] } };
    expect(prometheus.alerting.alertmanagers.flatMap((a) => a.static_configs.flatMap((s) => s.targets))).toEqual([`alertmanager:${port('ALERTMANAGER')}`]);
  });
});
