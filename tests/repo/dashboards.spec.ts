import { differences, OUTPUT_DIRS, rendered } from '../../tools/dashboards/generate';
import { dashboards, emptyWhenOf, inCatalog, metricNames, queryPanels } from '../../tools/dashboards/src';

/**
 * The dashboards as code (tools/dashboards): the committed JSON is what the code generates, and
 * every panel can be read and asks only for metrics the catalog names. Whether each query
 * returns data is tests/e2e/dashboards.e2e-spec.ts's question, against the running stack.
 */
const GRAFANA_VARIABLES = ['__rate_interval', '__interval', '__range'];

const all = Object.entries(dashboards());
const panelsOf = (name: string) => queryPanels(all.find(([n]) => n === name)![1]);

describe('dashboards as code (tools/dashboards)', () => {
  it('the committed JSON in the chart and the compose provisioning is what the generator writes (npm run dashboards)', () => {
    expect(OUTPUT_DIRS).toHaveLength(2);
    expect(differences()).toEqual([]);
    expect([...rendered().keys()].sort()).toEqual([
      'business.json', 'database.json', 'kafka-saga.json', 'notification-service.json', 'order-service.json',
      'overview.json', 'payment-service.json', 'product-service.json', 'user-service.json',
    ]);
  });

  describe.each(all.map(([name]) => name))('%s', (name) => {
    const dashboard = all.find(([n]) => n === name)![1];
    const variables = (dashboard.templating?.list ?? []).map((v) => v.name);

    it('has a unique uid and title, a datasource variable and unique panel ids', () => {
      expect(all.filter(([, d]) => d.uid === dashboard.uid)).toHaveLength(1);
      expect(all.filter(([, d]) => d.title === dashboard.title)).toHaveLength(1);
      expect(variables).toContain('datasource');
      const ids = dashboard.panels!.map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it.each(panelsOf(name).map((panel) => [panel.title ?? '(untitled)', panel] as const))('panel "%s" has a title, a unit, a description and queries', (_title, panel) => {
      expect(panel.title).toMatch(/\S/);
      expect(panel.description).toMatch(/\S/);
      expect(panel.fieldConfig?.defaults?.unit).toMatch(/\S/);
      expect(panel.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(panel.targets?.length).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) expect(target.expr).toMatch(/\S/);
    });

    it('queries only metrics of the catalog, and only variables the dashboard defines', () => {
      const problems: string[] = [];
      for (const panel of panelsOf(name)) {
        for (const { expr = '' } of panel.targets ?? []) {
          const names = metricNames(expr);
          if (names.length === 0) problems.push(`${panel.title}: selects no metric: ${expr}`);
          for (const metric of names.filter((m) => !inCatalog(m))) problems.push(`${panel.title}: ${metric} is not in the catalog`);
          for (const [, variable] of expr.matchAll(/\$(\w+)/g)) {
            if (!variables.includes(variable) && !GRAFANA_VARIABLES.includes(variable)) problems.push(`${panel.title}: $${variable} is not defined`);
          }
        }
      }
      expect(problems).toEqual([]);
    });
  });

  it('a panel the journey may leave empty says when, in its description', () => {
    const documented = all.flatMap(([, d]) => queryPanels(d).filter((p) => emptyWhenOf(p) !== undefined).map((p) => `${d.uid}: ${p.title}: ${emptyWhenOf(p)}`));
    expect(documented.length).toBeGreaterThan(0);
    for (const line of documented) expect(line).toMatch(/: (no|until) .+\.$/);
  });

  it('reads metric names out of PromQL, leaving out functions, labels, ranges and keywords', () => {
    expect(
      metricNames('(sum by (route) (rate(a_seconds_count{service=~"$service", le="0.5"}[$__rate_interval])) or on (x) b_total * 0) / histogram_quantile(0.95, c_bucket) > bool 0.5'),
    ).toEqual(['a_seconds_count', 'b_total', 'c_bucket']);
    expect(inCatalog('http_server_request_duration_seconds_bucket')).toBe(true);
    expect(inCatalog('ecotrack_orders_placed_total')).toBe(true);
    expect(inCatalog('ecotrack_orders_placed')).toBe(false);
    expect(inCatalog('ecotrack_outbox_backlog_count')).toBe(false);
  });
});
