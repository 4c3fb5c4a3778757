import { internalCallsConfig, loadConfig, platformConfigSchema, type ConfigExtension } from '@ecotrack/platform';
import { WORKSPACE_ROOT } from '@ecotrack/testing';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { longestProviderWaitMs as notificationWaitMs } from '../../../apps/notification-service/src/providers/provider-timeouts';
import { orderConfig } from '../../../apps/order-service/src/config';
import { paymentConfig } from '../../../apps/payment-service/src/config';
import { longestProviderWaitMs as paymentWaitMs } from '../../../apps/payment-service/src/providers/provider-timeouts';
import { userConfig } from '../../../apps/user-service/src/config';

/**
 * The chart against the code: what the chart renders (with the same helm and flags as
 * tools/k8s/validate.sh, which builds helm and runs before this layer) is read back with the
 * services' own configuration schemas and compared with what the code does.
 *
 * - Retries only where safe: a route retried after a reset or a 503 (the service may have
 *   acted) matches only idempotent methods, or POST with an Idempotency-Key; every other route
 *   is retried only on failures before the request reached the service.
 * - Each try outlasts the longest provider call behind the service (the code's own timeouts,
 *   with the chart's environment), and the route timeout leaves room for one whole try.
 * - A used refresh token answers a retry for longer than the mesh may take to retry it.
 * - The peer identities a service trusts (INTERNAL_CALLER_SPIFFE_IDS, read by the code's own
 *   schema) are exactly the callers the AuthorizationPolicy lets in, and only under STRICT mTLS.
 */
const CHART = path.join(WORKSPACE_ROOT, 'helm/ecotrack');
const KUBE_VERSION = '1.32.2';
const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;
const SERVICES = ['user-service', 'product-service', 'order-service', 'payment-service', 'notification-service'] as const;
type Service = (typeof SERVICES)[number];

const SAFE_METHODS = 'GET|HEAD|OPTIONS|PUT|DELETE';
/** Retry conditions that only fire when the request cannot have reached the service. */
const BEFORE_THE_SERVICE = new Set(['connect-failure', 'refused-stream']);

function helmBinary(): string {
  const goMod = readFileSync(path.join(WORKSPACE_ROOT, 'tools/k8s/go/helm/go.mod'), 'utf8');
  const version = /^\s*helm\.sh\/helm\/v3\s+(v\S+)/m.exec(goMod)?.[1];
  const binary = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'ecotrack/bin', `helm-${version}`);
  if (!existsSync(binary)) throw new Error(`no helm at ${binary}: tools/k8s/validate.sh builds it (it runs before this layer in ./ecotrack test)`);
  return binary;
}

interface K8sObject {
  kind: string;
  metadata: { name: string };
  spec: Record<string, unknown>;
}
interface HttpRoute {
  name: string;
  match?: Array<{ uri?: { prefix: string }; method?: { regex?: string; exact?: string }; headers?: Record<string, { regex?: string }> }>;
  timeout: string;
  retries: { attempts: number; perTryTimeout: string; retryOn: string };
}

function render(environment: string): K8sObject[] {
  const output = execFileSync(
    helmBinary(),
    ['template', 'ecotrack', CHART, '--namespace', 'ecotrack', '--kube-version', KUBE_VERSION, '-f', path.join(CHART, `values-${environment}.yaml`)],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  return parseAllDocuments(output)
    .map((document) => document.toJS() as K8sObject | null)
    .filter((object): object is K8sObject => object !== null);
}

const seconds = (duration: string) => {
  const match = /^(\d+)s$/.exec(duration);
  if (!match) throw new Error(`not a duration in whole seconds: ${duration}`);
  return Number(match[1]) * 1000;
};

/** The container environment the chart gives a service (plain values; secrets come from OpenBao). */
function environmentOf(objects: K8sObject[], service: Service): Record<string, string> {
  const workload = objects.find((o) => (o.kind === 'Deployment' || o.kind === 'Rollout') && o.metadata.name === service);
  if (!workload) throw new Error(`no workload for ${service}`);
  const spec = workload.spec as { template: { spec: { containers: Array<{ name: string; env?: Array<{ name: string; value?: string }> }> } } };
  const container = spec.template.spec.containers.find((c) => c.name === service)!;
  return Object.fromEntries((container.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
}

/** The service's configuration as its code reads it from that environment (with the secrets OpenBao would add, stubbed). */
function configOf(extension: ConfigExtension, env: Record<string, string>) {
  return loadConfig(extension, { ...env, REDIS_URL: 'redis://redis.invalid:6379' });
}

/** How long one request of the service may wait on a provider, by the code, in the chart's environment. */
function longestProviderWait(service: Service, env: Record<string, string>): number {
  switch (service) {
    case 'order-service':
      return configOf(orderConfig, env).PRODUCT_SERVICE_TIMEOUT_MS as number;
    case 'payment-service':
      return paymentWaitMs(configOf(paymentConfig, env).PAYMENT_GATEWAY_TIMEOUT_MS as number);
    case 'notification-service':
      return notificationWaitMs();
    default:
      return 0;
  }
}

/** Every route of a service: its mesh VirtualService's, and its routes at the edge. */
function routesOf(objects: K8sObject[], service: Service): HttpRoute[] {
  const mesh = objects.find((o) => o.kind === 'VirtualService' && o.metadata.name === service);
  const edge = objects.find((o) => o.kind === 'VirtualService' && o.metadata.name === 'ecotrack-edge');
  const edgeRoutes = ((edge?.spec.http ?? []) as HttpRoute[]).filter((route) => route.name === service || route.name.startsWith(`${service}-`));
  return [...((mesh?.spec.http ?? []) as HttpRoute[]), ...edgeRoutes];
}

/** Routes retried after the service may have acted (a reset, a 503) that match more than idempotent requests or keyed POSTs. */
function unsafeRetries(routes: HttpRoute[]): string[] {
  return routes
    .filter((route) => !route.retries.retryOn.split(',').every((condition) => BEFORE_THE_SERVICE.has(condition)))
    .filter(
      (route) =>
        !route.match?.length ||
        !route.match.every((match) => match.method?.regex === SAFE_METHODS || (match.method?.exact === 'POST' && match.headers?.['idempotency-key']?.regex === '.+')),
    )
    .map((route) => route.name);
}

/** Routes whose try ends before the longest provider call behind the service can, or whose timeout cuts one try short. */
function tooShortTries(routes: HttpRoute[], longestWaitMs: number): string[] {
  return routes
    .filter((route) => seconds(route.retries.perTryTimeout) <= longestWaitMs || seconds(route.timeout) < seconds(route.retries.perTryTimeout))
    .map((route) => route.name);
}

describe.each(ENVIRONMENTS)('chart (%s) against the code', (environment) => {
  const objects = render(environment);

  it.each(SERVICES)('%s: retries only requests that are safe to repeat', (service) => {
    const routes = routesOf(objects, service);
    expect(routes.length).toBeGreaterThanOrEqual(3);
    expect(unsafeRetries(routes)).toEqual([]);
    // The catch-all route (last of the service's) retries only what never reached the service.
    const catchAll = routes.filter((route) => route.name === 'primary' || route.name === service);
    expect(catchAll.length).toBeGreaterThanOrEqual(1);
    for (const route of catchAll) expect(route.retries.retryOn.split(',').filter((c) => !BEFORE_THE_SERVICE.has(c))).toEqual([]);
  });

  it.each(SERVICES)('%s: each try outlasts the longest provider call behind it, and the route one try', (service) => {
    expect(tooShortTries(routesOf(objects, service), longestProviderWait(service, environmentOf(objects, service)))).toEqual([]);
  });

  it('user-service: a used refresh token answers retries for longer than a retried request can take', () => {
    const env = environmentOf(objects, 'user-service');
    const config = configOf(userConfig(env), env);
    const routeTimeout = Math.max(...routesOf(objects, 'user-service').map((route) => seconds(route.timeout)));
    expect((config.REFRESH_RETRY_WINDOW_SECONDS as number) * 1000).toBeGreaterThan(routeTimeout);
  });

  it.each(SERVICES)("%s: trusts exactly its callers' peer identities, and only under STRICT mTLS", (service) => {
    const env = environmentOf(objects, service);
    const mtls = (objects.find((o) => o.kind === 'PeerAuthentication')?.spec as { mtls: { mode: string } } | undefined)?.mtls.mode;
    const trusted = configOf(internalCallsConfig, env).INTERNAL_CALLER_SPIFFE_IDS as ReadonlyMap<string, string> | undefined;
    if (mtls !== 'STRICT') {
      expect(trusted).toBeUndefined();
      return;
    }
    // The services the AuthorizationPolicy lets in by SPIFFE principal (not the edge, which carries a JWT).
    const policy = objects.find((o) => o.kind === 'AuthorizationPolicy' && o.metadata.name === service)!;
    const rules = (policy.spec.rules ?? []) as Array<{ from: Array<{ source: { principals?: string[]; requestPrincipals?: string[] } }> }>;
    const callers = rules
      .flatMap((rule) => rule.from.map((from) => from.source))
      .filter((source) => source.principals && !source.requestPrincipals)
      .flatMap((source) => source.principals!)
      .filter((principal) => principal.startsWith('cluster.local/ns/ecotrack/sa/'))
      .map((principal) => `spiffe://${principal}`);
    expect([...(trusted?.keys() ?? [])].sort()).toEqual([...new Set(callers)].sort());
    for (const [id, name] of trusted ?? []) expect(id).toBe(`spiffe://cluster.local/ns/ecotrack/sa/${name}`);
  });

  it.each(SERVICES)('%s: its plain environment is valid for the code', (service) => {
    expect(() => platformConfigSchema.parse({ ...environmentOf(objects, service), REDIS_URL: 'redis://redis.invalid:6379' })).not.toThrow();
  });
});

describe('the checks themselves', () => {
  const routes = () => routesOf(render('prod'), 'order-service');

  it('catch a catch-all route retried after a 503, and an unkeyed POST route retried on reset', () => {
    const changed = routes();
    changed.find((route) => route.name === 'primary')!.retries.retryOn = 'connect-failure,503';
    delete changed.find((route) => route.name === 'keyed-post')!.match![0].headers;
    expect(unsafeRetries(changed)).toEqual(['keyed-post', 'primary']);
  });

  it('catch a try shorter than the provider call behind it', () => {
    expect(tooShortTries(routes(), 4_000)).toHaveLength(routes().length);
    expect(tooShortTries(routes(), 3_999)).toEqual([]);
  });
});
