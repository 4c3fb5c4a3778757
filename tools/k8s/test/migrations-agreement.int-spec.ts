import { WORKSPACE_ROOT } from '@ecotrack/testing';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { CHART, ENVIRONMENTS, isWorkload, NAMESPACE, readValues, render, renderChart, RENDERINGS, SERVICES, type K8sObject } from './support/chart';
import { SCRIPTS as IMAGE_SCRIPTS } from '../../images/closure';

/**
 * Issue 14, findings 8, 9 and 11 (Falco, notifications, chart-version labels): the chart against
 * the code and the files that consume it, in every environment and switch variant.
 *
 * - Migrations: no service pod (Deployment, canary, Rollout) runs the migration step or can
 *   read the database owner login; exactly one Job per service with a `database` runs the
 *   entry point the image really has (package.json's `migrate` script, copied by the Dockerfile
 *   to the same path) with the owner login, as a Helm pre-install/pre-upgrade hook and an Argo CD
 *   PreSync hook, after everything it needs (ServiceAccount, NetworkPolicy, the owner login's
 *   ExternalSecret and its secret store), with the service pods' security settings.
 * - Chart-version labels: a chart whose only change is Chart.yaml's version renders the same
 *   pod templates (no restart of every pod at every chart bump).
 * - Canary analysis: every metric and label its queries name is exported (the app's histogram
 *   by libs/telemetry, Istio's standard metrics) and scraped with the labels the queries select
 *   on; no data is no verdict; Envoy's own failures (response_flags) count.
 * - Falco: the rules are loaded by Falco's chart (deploy/falco/values.yaml) and except exactly
 *   the rendered secrets-rotation container.
 * - Argo CD notifications: every subscription of the ApplicationSet names a trigger, template
 *   and service of deploy/argocd/notifications.
 *
 * Renders with support/chart.ts; renderChart() below renders a copy of the chart from another
 * directory (support/chart.ts renders only CHART): a candidate for support/chart.ts.
 */

interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  envFrom?: Array<{ secretRef?: { name: string } }>;
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string } } }>;
  securityContext?: Record<string, unknown>;
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
}
interface PodSpec {
  serviceAccountName?: string;
  securityContext?: Record<string, unknown>;
  containers: Container[];
  initContainers?: Container[];
  volumes?: Array<{ name: string; secret?: { secretName: string }; projected?: { sources: Array<{ secret?: { name: string } }> } }>;
}
interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: PodSpec;
}

const read = (file: string) => readFileSync(path.join(WORKSPACE_ROOT, file), 'utf8');

/** Pod templates of an object (workloads, Jobs, CronJobs), or none. */
function podTemplateOf(object: K8sObject): PodTemplate | undefined {
  if (object.kind === 'CronJob') return (object.spec as { jobTemplate: { spec: { template: PodTemplate } } }).jobTemplate.spec.template;
  if (isWorkload(object) || object.kind === 'Job') return (object.spec as { template: PodTemplate }).template;
  return undefined;
}
const containersOf = (template: PodTemplate) => [...(template.spec.initContainers ?? []), ...template.spec.containers];

/** Names of the Secrets a pod template can read (env, envFrom, volumes). */
function secretsOf(template: PodTemplate): string[] {
  const names = containersOf(template).flatMap((c) => [
    ...(c.envFrom ?? []).flatMap((e) => (e.secretRef ? [e.secretRef.name] : [])),
    ...(c.env ?? []).flatMap((e) => (e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef.name] : [])),
  ]);
  for (const volume of template.spec.volumes ?? []) {
    if (volume.secret) names.push(volume.secret.secretName);
    for (const source of volume.projected?.sources ?? []) if (source.secret) names.push(source.secret.name);
  }
  return [...new Set(names)];
}

// ------------------------------------------------------------------ the code's migration step
/** The migration entry point as the image has it: package.json's `migrate` script, at the path the image carries it (tools/images). */
function migrateEntryPoint(): string[] {
  const script = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.migrate;
  const words = script.trim().split(/\s+/);
  const file = words.find((word) => word.endsWith('.js'));
  if (!file) throw new Error(`package.json's migrate script names no script file: ${script}`);
  // The image lays the service out under its WORKDIR /app with these scripts at their repo paths.
  if (!IMAGE_SCRIPTS.includes(file) || !/^WORKDIR \/app$/m.test(read('Dockerfile'))) {
    throw new Error(`the image does not carry ${file} at its repo path under its WORKDIR (tools/images/closure.js SCRIPTS): the chart could not run package.json's migrate`);
  }
  return words;
}
const MIGRATE = migrateEntryPoint();
const migrateScript = read(MIGRATE.find((word) => word.endsWith('.js'))!);
/** The services migrate.js accepts, from its own list. */
const MIGRATABLE = JSON.parse(/const SERVICES = (\[[^\]]*\])/.exec(migrateScript)![1].replace(/'/g, '"')) as string[];
/** The variable migrate.js takes one service's login from. */
const LOGIN_VARIABLE = /process\.env\.(\w+) \?\?/.exec(migrateScript)![1];
const runsMigrate = (c: Container) => MIGRATE.every((word, i) => c.command?.[i] === word);

interface Values {
  serviceDefaults: { database: boolean };
  services: Record<string, { database?: boolean; enabled?: boolean }>;
  openbaoAuth: { enabled: boolean };
  istio: { enabled: boolean; nativeSidecar: boolean };
}
function valuesOf(environment: string): Values {
  const defaults = readValues<Values>('values.yaml');
  const overrides = readValues<Partial<Values>>(`values-${environment}.yaml`);
  return {
    serviceDefaults: { ...defaults.serviceDefaults, ...overrides.serviceDefaults },
    services: Object.fromEntries(Object.keys(defaults.services).map((s) => [s, { ...defaults.services[s], ...overrides.services?.[s] }])),
    openbaoAuth: { ...defaults.openbaoAuth, ...overrides.openbaoAuth },
    istio: { ...defaults.istio, ...overrides.istio },
  };
}
const hasDatabase = (values: Values, service: string) => values.services[service]?.database ?? values.serviceDefaults.database;

const annotation = (o: K8sObject, key: string) => o.metadata.annotations?.[key];
const hookWeight = (o: K8sObject) => Number(annotation(o, 'helm.sh/hook-weight') ?? 0);
const argoWave = (o: K8sObject) => Number(annotation(o, 'argocd.argoproj.io/sync-wave') ?? 0);
/** Why an object the migration Job needs would not exist before it runs (Helm and Argo CD), or ''. */
function notBefore(dependency: K8sObject, job: K8sObject): string {
  const what = `${dependency.kind} ${dependency.metadata.name}`;
  const helmHooks = (annotation(dependency, 'helm.sh/hook') ?? '').split(',');
  if (!helmHooks.includes('pre-install') || !helmHooks.includes('pre-upgrade')) return `${what} is no pre-install,pre-upgrade hook: on an install it does not exist when the Job runs`;
  if (hookWeight(dependency) >= hookWeight(job)) return `${what} has hook weight ${hookWeight(dependency)}, not below the Job's ${hookWeight(job)}`;
  if (annotation(dependency, 'argocd.argoproj.io/hook') !== 'PreSync') return `${what} is no Argo CD PreSync hook`;
  if (argoWave(dependency) >= argoWave(job)) return `${what} has Argo CD wave ${argoWave(dependency)}, not below the Job's ${argoWave(job)}`;
  return '';
}
const selects = (selector: Record<string, string> | undefined, labels: Record<string, string>) =>
  !!selector && Object.entries(selector).every(([key, value]) => labels[key] === value);

describe.each(RENDERINGS)('migrations, %s', (_label, environment, args) => {
  const objects = render(environment, args);
  const values = valuesOf(environment);
  const enabled = SERVICES.filter((s) => values.services[s]?.enabled !== false);
  const databases = enabled.filter((s) => hasDatabase(values, s));
  const runners = objects.flatMap((o) => {
    const template = podTemplateOf(o);
    return template ? containersOf(template).filter(runsMigrate).map((container) => ({ object: o, template, container })) : [];
  });
  /** The owner logins: the Secrets the migration step reads. */
  const ownerLogins = new Set(runners.flatMap(({ template }) => secretsOf(template)));

  it('the migration step exists, for services migrate.js knows, and reads the owner login from a Secret', () => {
    expect(databases.length).toBeGreaterThan(0);
    expect(databases.filter((s) => !MIGRATABLE.includes(s))).toEqual([]);
    expect(runners.length).toBeGreaterThan(0);
    expect(ownerLogins.size).toBeGreaterThan(0);
  });

  it('no service pod (Deployment, canary, Rollout) runs migrations or can read the owner login', () => {
    const offenders = objects.filter(isWorkload).flatMap((workload) => {
      const template = podTemplateOf(workload)!;
      return [
        ...containersOf(template)
          .filter(runsMigrate)
          .map((c) => `${workload.kind} ${workload.metadata.name}: container ${c.name} runs ${c.command!.join(' ')}`),
        ...secretsOf(template)
          .filter((secret) => ownerLogins.has(secret))
          .map((secret) => `${workload.kind} ${workload.metadata.name}: reads the owner login Secret ${secret}`),
      ];
    });
    expect(offenders).toEqual([]);
  });

  it('with openbaoAuth on, no service pod reads any Secret at all', () => {
    if (!values.openbaoAuth.enabled) return;
    const offenders = objects
      .filter(isWorkload)
      .flatMap((w) => secretsOf(podTemplateOf(w)!).map((secret) => `${w.kind} ${w.metadata.name}: Secret ${secret}`));
    expect(offenders).toEqual([]);
  });

  it('exactly one migration Job per service with a database, running the image entry point for it, and none for the others', () => {
    const jobsOf = (service: string) =>
      objects.filter(
        (o) => o.kind === 'Job' && podTemplateOf(o)!.spec.containers.some((c) => runsMigrate(c) && c.command!.slice(MIGRATE.length).join(' ') === service),
      );
    expect(Object.fromEntries(enabled.map((s) => [s, jobsOf(s).length]))).toEqual(Object.fromEntries(enabled.map((s) => [s, databases.includes(s) ? 1 : 0])));
    // And nothing else runs the step (no init container, no CronJob).
    expect(runners.filter(({ object }) => object.kind !== 'Job').map(({ object }) => `${object.kind} ${object.metadata.name}`)).toEqual([]);
  });

  describe.each(SERVICES.filter((s) => hasDatabase(valuesOf(environment), s)))('%s', (service) => {
    const job = () => {
      const found = runners.find(({ object, container }) => object.kind === 'Job' && container.command!.slice(MIGRATE.length).join(' ') === service);
      if (!found) throw new Error(`no Job runs ${[...MIGRATE, service].join(' ')}`);
      return found;
    };

    it('is a Helm pre-install/pre-upgrade hook and an Argo CD PreSync hook, replaced only by the next run, bounded', () => {
      const { object } = job();
      expect({
        hook: annotation(object, 'helm.sh/hook')?.split(',').sort(),
        deletePolicy: annotation(object, 'helm.sh/hook-delete-policy'),
        argocd: annotation(object, 'argocd.argoproj.io/hook'),
        argocdDeletePolicy: annotation(object, 'argocd.argoproj.io/hook-delete-policy'),
      }).toEqual({ hook: ['pre-install', 'pre-upgrade'], deletePolicy: 'before-hook-creation', argocd: 'PreSync', argocdDeletePolicy: 'BeforeHookCreation' });
      expect(object.spec.backoffLimit).toEqual(expect.any(Number));
      expect(object.spec.activeDeadlineSeconds).toEqual(expect.any(Number));
      expect(object.spec.ttlSecondsAfterFinished).toBeUndefined();
    });

    it(`reads the owner login (${LOGIN_VARIABLE}) from a Secret that exists before it runs`, () => {
      const { object, template } = job();
      const secrets = secretsOf(template);
      expect(secrets).toHaveLength(1);
      const externalSecret = objects.find(
        (o) => o.kind === 'ExternalSecret' && (o.spec.target as { name?: string }).name === secrets[0],
      );
      if (!externalSecret) return; // externalSecrets.enabled false: the Secret is made outside the chart
      const keys = (externalSecret.spec.data as Array<{ secretKey: string }>).map((d) => d.secretKey);
      expect(keys).toContain(LOGIN_VARIABLE);
      const problems = [notBefore(externalSecret, object)];
      const storeName = (externalSecret.spec.secretStoreRef as { name: string }).name;
      const store = objects.find((o) => o.kind === 'ClusterSecretStore' && o.metadata.name === storeName);
      if (store) problems.push(notBefore(store, object));
      expect(problems.filter(Boolean)).toEqual([]);
    });

    it('runs as its own ServiceAccount, with a NetworkPolicy, both there before it', () => {
      const { object, template } = job();
      const problems: string[] = [];
      const account = objects.find((o) => o.kind === 'ServiceAccount' && o.metadata.name === template.spec.serviceAccountName);
      if (!account) problems.push(`ServiceAccount ${template.spec.serviceAccountName} is not rendered`);
      else problems.push(notBefore(account, object));
      if (template.spec.serviceAccountName === service) problems.push(`it runs as the service's own ServiceAccount ${service} (its IRSA and OpenBao rights)`);
      const labels = template.metadata?.labels ?? {};
      const policies = objects.filter((o) => o.kind === 'NetworkPolicy' && selects((o.spec.podSelector as { matchLabels?: Record<string, string> }).matchLabels, labels));
      const defaultDeny = objects.some((o) => o.kind === 'NetworkPolicy' && Object.keys(o.spec.podSelector as object).length === 0);
      if (defaultDeny && policies.length === 0) problems.push('no NetworkPolicy lets it out under default-deny-all');
      problems.push(...policies.map((policy) => notBefore(policy, object)));
      // Nothing that selects the service's pods (Service, PDB) may pick up the Job's pod.
      const servicePods = objects.filter((o) => (o.kind === 'Service' || o.kind === 'PodDisruptionBudget') && o.metadata.name === service);
      for (const o of servicePods) {
        const selector = o.kind === 'Service' ? (o.spec.selector as Record<string, string>) : (o.spec.selector as { matchLabels: Record<string, string> }).matchLabels;
        if (selects(selector, labels)) problems.push(`${o.kind} ${o.metadata.name} selects the Job's pod`);
      }
      expect(problems.filter(Boolean)).toEqual([]);
    });

    it("has the service pods' security settings and image, and completes with Istio", () => {
      const { template, container } = job();
      const workload = objects.find((o) => isWorkload(o) && o.metadata.name === service)!;
      const serviceTemplate = podTemplateOf(workload)!;
      const own = serviceTemplate.spec.containers.find((c) => c.name === service)!;
      expect(template.spec.securityContext).toEqual(serviceTemplate.spec.securityContext);
      expect(container.securityContext).toEqual(own.securityContext);
      expect(container.image).toBe(own.image);
      expect(container.resources?.limits).toBeDefined();
      const annotations = template.metadata?.annotations ?? {};
      if (values.istio.enabled) {
        // A classic sidecar never exits: the Job would never complete.
        const completes = annotations['sidecar.istio.io/nativeSidecar'] === 'true' || annotations['sidecar.istio.io/inject'] === 'false';
        expect({ annotations, completes }).toEqual({ annotations, completes: true });
      }
    });
  });
});

// ------------------------------------------------------------------ chart-version labels
describe('a chart bump alone restarts no pod', () => {
  let bumped: string;
  let version: string;
  beforeAll(() => {
    bumped = mkdtempSync(path.join(os.tmpdir(), 'ecotrack-chart-'));
    cpSync(CHART, bumped, { recursive: true });
    const chartYaml = parse(readFileSync(path.join(bumped, 'Chart.yaml'), 'utf8')) as { version: string };
    const [major, minor, patch] = chartYaml.version.split(/[.+-]/).map(Number);
    version = `${major}.${minor}.${patch + 1}`;
    const text = readFileSync(path.join(bumped, 'Chart.yaml'), 'utf8').replace(/^version:.*$/m, `version: ${version}`);
    writeFileSync(path.join(bumped, 'Chart.yaml'), text);
  });
  afterAll(() => rmSync(bumped, { recursive: true, force: true }));

  it.each(RENDERINGS)('%s: pod template labels and annotations stay the same', (_label, environment, args) => {
    const before = render(environment, args);
    const after = renderChart(bumped, environment, args);
    // The bump did reach the render (object labels carry the chart version).
    expect(after.some((o) => o.metadata.labels?.['helm.sh/chart']?.endsWith(version))).toBe(true);
    const metadataOf = (objects: K8sObject[]) =>
      Object.fromEntries(
        objects.flatMap((o) => {
          // Workloads only: their pods restart when the template changes (a Job or CronJob starts new pods anyway).
          const template = isWorkload(o) ? podTemplateOf(o) : undefined;
          return template ? [[`${o.kind} ${o.metadata.name}`, { labels: template.metadata?.labels ?? {}, annotations: template.metadata?.annotations ?? {} }]] : [];
        }),
      );
    expect(metadataOf(after)).toEqual(metadataOf(before));
  });
});

// ------------------------------------------------------------------ canary analysis
/** The metrics the services export, read from libs/telemetry: name -> labels (the registry's default label `service` included). */
function appMetrics(): Map<string, Set<string>> {
  const source = readFileSync(path.join(WORKSPACE_ROOT, 'libs/telemetry/src/metrics.ts'), 'utf8');
  const defaults = [...source.matchAll(/setDefaultLabels\(\{\s*([\w\s,]+)\}\)/g)].flatMap((m) => m[1].split(',').map((s) => s.trim()).filter(Boolean));
  const metrics = new Map<string, Set<string>>();
  for (const m of source.matchAll(/new (Histogram|Counter|Gauge)\(\{\s*name: '(\w+)',[\s\S]*?labelNames: \[([^\]]*)\]/g)) {
    const labels = [...defaults, ...m[3].split(',').map((s) => s.trim().replace(/'/g, '')).filter(Boolean)];
    const names = m[1] === 'Histogram' ? [`${m[2]}_bucket`, `${m[2]}_count`, `${m[2]}_sum`] : [m[2]];
    for (const name of names) metrics.set(name, new Set([...labels, ...(name.endsWith('_bucket') ? ['le'] : [])]));
  }
  return metrics;
}
/**
 * Istio's standard metrics and their labels (Istio docs, "Istio Standard Metrics"): no Istio code
 * lives in this repository, so this list is the reference.
 */
const ISTIO_LABELS = [
  'reporter', 'source_workload', 'source_workload_namespace', 'source_principal', 'source_app', 'source_version', 'source_canonical_service',
  'source_canonical_revision', 'source_cluster', 'destination_workload', 'destination_workload_namespace', 'destination_principal',
  'destination_app', 'destination_version', 'destination_service', 'destination_service_name', 'destination_service_namespace',
  'destination_canonical_service', 'destination_canonical_revision', 'destination_cluster', 'request_protocol', 'response_code',
  'grpc_response_status', 'response_flags', 'connection_security_policy',
];
const ISTIO_METRICS = new Map<string, Set<string>>(
  ['istio_requests_total', ...['istio_request_duration_milliseconds', 'istio_request_bytes', 'istio_response_bytes'].flatMap((h) => [`${h}_bucket`, `${h}_count`, `${h}_sum`])].map(
    (name) => [name, new Set([...ISTIO_LABELS, ...(name.endsWith('_bucket') ? ['le'] : [])])],
  ),
);
/** Target labels Prometheus Operator adds to every scraped series. */
const OPERATOR_LABELS = ['namespace', 'pod', 'container', 'endpoint', 'service', 'job', 'instance'];

interface AnalysisMetric {
  name: string;
  count?: number;
  failureLimit?: number;
  inconclusiveLimit?: number;
  successCondition?: string;
  failureCondition?: string;
  provider: { prometheus: { query: string } };
}
interface Monitor {
  relabelings?: Array<{ sourceLabels?: string[]; targetLabel?: string }>;
  metricRelabelings?: Array<{ sourceLabels?: string[]; regex?: string; action?: string }>;
}
/** Every `metric{labels}` selector of a PromQL query (label values may hold braces: Argo's {{args.x}}). */
function selectorsOf(query: string) {
  const selectors: Array<{ metric: string; matchers: Record<string, { op: string; value: string }> }> = [];
  for (const start of query.matchAll(/([a-zA-Z_:][\w:]*)\{/g)) {
    let i = start.index! + start[0].length;
    let quoted = false;
    for (; i < query.length && (quoted || query[i] !== '}'); i++) if (query[i] === '"' && query[i - 1] !== '\\') quoted = !quoted;
    const body = query.slice(start.index! + start[0].length, i);
    const matchers = Object.fromEntries([...body.matchAll(/(\w+)\s*(=~|!~|!=|=)\s*"([^"]*)"/g)].map(([, label, op, value]) => [label, { op, value }]));
    selectors.push({ metric: start[1], matchers });
  }
  return selectors;
}
/** An Argo Rollouts condition, evaluated on a measurement (expr's len() as JS's length). */
function holds(condition: string | undefined, result: number[]): boolean {
  if (!condition) return false;
  const js = condition.replace(/\blen\(result\)/g, 'result.length');
  return Boolean(new Function('result', 'isNaN', `return (${js});`)(result, (x: unknown) => x === undefined || Number.isNaN(x)));
}

const ANALYSIS_RENDERINGS: Array<[string, string, string[]]> = [
  ...RENDERINGS.filter(([, environment, args]) => render(environment, args).some((o) => o.kind === 'AnalysisTemplate')),
  // Rollouts without Istio (no subset routing: the app's own histogram).
  ['dev rollouts without istio', 'dev', ['--set', 'rollouts.enabled=true', '--set', 'istio.enabled=false']],
];

describe.each(ANALYSIS_RENDERINGS)('canary analysis, %s', (_label, environment, args) => {
  const objects = render(environment, args);
  const template = objects.find((o) => o.kind === 'AnalysisTemplate')!;
  const metrics = (template?.spec.metrics ?? []) as AnalysisMetric[];
  const istio = !args.includes('istio.enabled=false');

  it('is rendered with metrics', () => {
    expect(metrics.length).toBeGreaterThan(0);
  });

  it('names only exported metrics and labels, and the scrape adds the ones it selects the canary by', () => {
    const app = appMetrics();
    const monitors = objects.filter((o) => o.kind === 'ServiceMonitor' || o.kind === 'PodMonitor');
    const problems: string[] = [];
    for (const metric of metrics) {
      for (const { metric: name, matchers } of selectorsOf(metric.provider.prometheus.query)) {
        const known = app.get(name) ?? ISTIO_METRICS.get(name);
        if (!known) {
          problems.push(`${metric.name}: ${name} is neither exported by libs/telemetry nor an Istio standard metric`);
          continue;
        }
        // The monitors scraping this metric: the ServiceMonitor for the app's, a PodMonitor keeping Istio's.
        const scrapers = monitors.filter((m) => {
          const endpoints = (m.kind === 'PodMonitor' ? m.spec.podMetricsEndpoints : m.spec.endpoints) as Monitor[];
          const isIstio = ISTIO_METRICS.has(name);
          if (isIstio !== (m.kind === 'PodMonitor')) return false;
          return endpoints.some((e) => !e.metricRelabelings?.some((r) => r.action === 'keep') || e.metricRelabelings.some((r) => r.action === 'keep' && new RegExp(`^(?:${r.regex})$`).test(name)));
        });
        if (!scrapers.length) problems.push(`${metric.name}: no ${ISTIO_METRICS.has(name) ? 'PodMonitor' : 'ServiceMonitor'} of the chart scrapes ${name}`);
        const added = new Set(
          scrapers.flatMap((m) => ((m.kind === 'PodMonitor' ? m.spec.podMetricsEndpoints : m.spec.endpoints) as Monitor[]).flatMap((e) => (e.relabelings ?? []).map((r) => r.targetLabel!))),
        );
        for (const label of Object.keys(matchers)) {
          if (!known.has(label) && !added.has(label) && !OPERATOR_LABELS.includes(label)) problems.push(`${metric.name}: ${name} has no label ${label}`);
        }
        if (!('rollouts_pod_template_hash' in matchers)) problems.push(`${metric.name}: ${name} is not narrowed to the canary's pods (rollouts_pod_template_hash)`);
      }
    }
    expect(problems).toEqual([]);
  });

  it(istio ? "reads Istio's metrics, Envoy's failures and resets included" : "reads the app's own histogram", () => {
    const names = metrics.flatMap((m) => selectorsOf(m.provider.prometheus.query).map((s) => s.metric));
    if (istio) {
      expect(names.every((n) => ISTIO_METRICS.has(n))).toBe(true);
      const errorSelectors = metrics.flatMap((m) => selectorsOf(m.provider.prometheus.query)).filter((s) => s.metric === 'istio_requests_total');
      expect(errorSelectors.some((s) => s.matchers.response_flags)).toBe(true);
      expect(errorSelectors.some((s) => s.matchers.response_code?.op === '=~' && new RegExp(`^(?:${s.matchers.response_code.value})$`).test('0'))).toBe(true);
    } else {
      expect(names.every((n) => appMetrics().has(n))).toBe(true);
    }
  });

  it.each(['error-rate', 'latency-p95'])('%s: no data is no verdict; a number decides; bounded by count and failureLimit', (name) => {
    const metric = metrics.find((m) => m.name === name)!;
    expect(metric).toBeDefined();
    const verdict = (result: number[]) => ({ success: holds(metric.successCondition, result), failure: holds(metric.failureCondition, result) });
    expect({
      empty: verdict([]),
      nan: verdict([NaN]),
      zero: verdict([0]),
      huge: verdict([1e9]),
    }).toEqual({
      empty: { success: false, failure: false },
      nan: { success: false, failure: false },
      zero: { success: true, failure: false },
      huge: { success: false, failure: true },
    });
    expect(metric.count).toEqual(expect.any(Number));
    expect(metric.failureLimit).toEqual(expect.any(Number));
    expect(metric.inconclusiveLimit).toEqual(expect.any(Number));
    expect(metric.failureLimit!).toBeLessThan(metric.count!);
  });
});

// ------------------------------------------------------------------ Falco
interface FalcoItem {
  rule?: string;
  macro?: string;
  list?: string;
  condition?: string;
}
describe('Falco loads the rules, and they except exactly the rotation and backup Jobs', () => {
  let rules: FalcoItem[] = [];
  beforeAll(() => {
    let values: { customRules?: Record<string, string> } = {};
    try {
      values = parse(read('deploy/falco/values.yaml'));
    } catch (error) {
      throw new Error(`no values for Falco's chart with the EcoTrack rules: ${(error as Error).message}`);
    }
    rules = Object.values(values.customRules ?? {}).flatMap((text) => parse(text) as FalcoItem[]);
  });

  it("the rules are in Falco's chart values (customRules), and name the chart's namespace", () => {
    expect(rules.length).toBeGreaterThan(0);
    const container = rules.find((r) => r.macro === 'ecotrack_container');
    expect(container?.condition).toContain(`k8s.ns.name = "${NAMESPACE}"`);
  });

  /** Every container of every CronJob (the rotation, the backups), in each environment and with pgBackRest on. */
  const cronJobContainers = () =>
    [...ENVIRONMENTS.map((e) => [e, render(e)] as const), ['prod with pgBackRest', render('prod', ['--set', 'backup.postgres.provider=pgbackrest'])] as const].flatMap(([label, objects]) =>
      objects
        .filter((o) => o.kind === 'CronJob')
        .flatMap((cronJob) => {
          const template = podTemplateOf(cronJob)!;
          return containersOf(template).map((container) => ({ what: `${label}: ${cronJob.metadata.name}/${container.name}`, template, container }));
        }),
    );

  it('the CronJobs checked below are the rotation and the backups', () => {
    const names = new Set(cronJobContainers().map(({ what }) => what.replace(/^[^:]+: /, '')));
    expect([...names].sort()).toEqual(['openbao-snapshot/snapshot', 'openbao-snapshot/upload', 'pgbackrest-full/backup', 'pgbackrest-diff/backup', 'secrets-rotator/rotate-root'].sort());
  });

  it('every CronJob container (a shell around bao, aws or pgbackrest) is excepted from the shell and process rules by pod label, container and image', () => {
    const problems: string[] = [];
    for (const { what, template, container } of cronJobContainers()) {
      const repository = container.image!.replace(/:[^:/]+$/, '');
      const label = `k8s.pod.label[app.kubernetes.io/name] = "${template.metadata!.labels!['app.kubernetes.io/name']}"`;
      const exception = rules.find((r) => r.macro && r.condition?.includes(`container.name = "${container.name}"`) && r.condition.includes(label));
      if (!exception?.condition?.includes(`container.image.repository = "${repository}"`)) {
        problems.push(`${what}: no macro names its pod label, container and image ${repository}`);
        continue;
      }
      // Both rules must except it: it runs a non-node process, and (but pgbackrest) a shell.
      const unexcepted = rules.filter((r) => r.rule && /shell_binaries|ecotrack_binaries/.test(r.condition ?? '') && !r.condition!.includes(`not ${exception.macro}`));
      problems.push(...unexcepted.map((r) => `${what}: rule "${r.rule}" does not except ${exception.macro}`));
    }
    expect(problems).toEqual([]);
  });

  it('the chart renders no Falco rules ConfigMap that no Falco would read', () => {
    const stray = ENVIRONMENTS.flatMap((e) => render(e).filter((o) => o.kind === 'ConfigMap' && /falco/.test(o.metadata.name)).map((o) => `${e}: ${o.metadata.name}`));
    expect(stray).toEqual([]);
  });
});

// ------------------------------------------------------------------ Argo CD notifications
describe('Argo CD notifications', () => {
  it('every subscription of the ApplicationSet names a trigger, its templates and a service of argocd-notifications-cm', () => {
    const appSet = parse(read('deploy/argocd/applicationset.yaml')) as { spec: { template: { metadata: { annotations?: Record<string, string> } } } };
    const subscriptions = Object.keys(appSet.spec.template.metadata.annotations ?? {}).flatMap((key) => {
      const m = /^notifications\.argoproj\.io\/subscribe\.([\w-]+)\.([\w-]+)$/.exec(key);
      return m ? [{ trigger: m[1], service: m[2] }] : [];
    });
    expect(subscriptions.length).toBeGreaterThan(0);
    let data: Record<string, string> = {};
    try {
      data = (parse(read('deploy/argocd/notifications/argocd-notifications-cm.yaml')) as { data: Record<string, string> }).data;
    } catch (error) {
      throw new Error(`no notifications config for the ApplicationSet's subscriptions: ${(error as Error).message}`);
    }
    const problems = subscriptions.flatMap(({ trigger, service }) => {
      const out: string[] = [];
      if (!data[`service.${service}`]) out.push(`service.${service} is not configured`);
      const conditions = data[`trigger.${trigger}`] ? (parse(data[`trigger.${trigger}`]) as Array<{ send: string[]; when: string }>) : [];
      if (!conditions.length) out.push(`trigger.${trigger} is not defined`);
      for (const template of conditions.flatMap((c) => c.send)) if (!data[`template.${template}`]) out.push(`trigger.${trigger} sends template.${template}, which is not defined`);
      return out;
    });
    expect(problems).toEqual([]);
  });
});
