import { internalCallsConfig, loadConfig, platformConfigSchema, type ConfigExtension } from '@ecotrack/platform';
import { ENVIRONMENTS, environmentOf, isWorkload, quantity, readValues, render, SERVICES, type K8sObject, type Service } from './support/chart';
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
 * - Node's runtime follows the container's limits: V8's old space (NODE_OPTIONS) is the values'
 *   share of the memory limit and leaves nonHeapMiB outside it; one libuv thread per CPU; the
 *   database pools (DATABASE_POOL_MAX, read by the code's schema) of every pod at the services'
 *   peak fit PostgreSQL's max_connections.
 */
const SAFE_METHODS = 'GET|HEAD|OPTIONS|PUT|DELETE';
/** Retry conditions that only fire when the request cannot have reached the service. */
const BEFORE_THE_SERVICE = new Set(['connect-failure', 'refused-stream']);

interface HttpRoute {
  name: string;
  match?: Array<{ uri?: { prefix: string }; method?: { regex?: string; exact?: string }; headers?: Record<string, { regex?: string }> }>;
  timeout: string;
  retries: { attempts: number; perTryTimeout: string; retryOn: string };
}

const seconds = (duration: string) => {
  const match = /^(\d+)s$/.exec(duration);
  if (!match) throw new Error(`not a duration in whole seconds: ${duration}`);
  return Number(match[1]) * 1000;
};

interface Container {
  name: string;
  env?: Array<{ name: string; value?: string }>;
  resources?: { limits?: { cpu?: string | number; memory?: string | number } };
}

/** The service's own container in its (stable) workload. */
function containerOf(objects: K8sObject[], service: Service): Container {
  const workload = objects.find((o) => isWorkload(o) && o.metadata.name === service);
  if (!workload) throw new Error(`no workload for ${service}`);
  return (workload.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers.find((c) => c.name === service)!;
}

const MEBIBYTE = 1024 * 1024;

/** The chart's values for an environment: values.yaml under values-<environment>.yaml (only the keys read here). */
function valuesOf(environment: string) {
  const read = (file: string) => readValues<ChartValues>(file);
  const defaults = read('values.yaml');
  const overrides = read(`values-${environment}.yaml`);
  return {
    node: { ...defaults.serviceDefaults.node, ...overrides.serviceDefaults?.node },
    postgres: { ...defaults.infrastructure.postgres, ...overrides.infrastructure?.postgres },
  };
}
interface ChartValues {
  serviceDefaults: { node: { heapPercentOfMemoryLimit: number; nonHeapMiB: number } };
  infrastructure: { postgres: { maxConnections: number; reservedConnections: number } };
}

/**
 * Pods of a service at its peak: its HPA's maxReplicas (else its replicas), doubled under an Argo
 * Rollout (the canary may reach the stable's size before the stable scales down), else plus the
 * Deployment's surge; a canary Deployment adds its own.
 */
function peakPods(objects: K8sObject[], service: Service): number {
  const hpa = objects.find((o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === service);
  const workloads = objects.filter((o) => isWorkload(o) && (o.metadata.name === service || o.metadata.name === `${service}-canary`));
  return workloads.reduce((sum, workload) => {
    const spec = workload.spec as { replicas?: number; strategy?: { rollingUpdate?: { maxSurge?: string } } };
    const replicas = workload.metadata.name === service && hpa ? (hpa.spec.maxReplicas as number) : spec.replicas!;
    if (workload.kind === 'Rollout') return sum + replicas * 2;
    const surge = Number(/^(\d+)%$/.exec(spec.strategy?.rollingUpdate?.maxSurge ?? '0%')![1]);
    return sum + replicas + Math.ceil((replicas * surge) / 100);
  }, 0);
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

  it.each(SERVICES)("%s: V8's old space (NODE_OPTIONS) is the share of the memory limit the values ask for, with room outside it", (service) => {
    const { node } = valuesOf(environment);
    const container = containerOf(objects, service);
    const limitMiB = Math.floor(quantity(container.resources!.limits!.memory!) / MEBIBYTE);
    const heap = Number(/--max-old-space-size=(\d+)/.exec(environmentOf(objects, service).NODE_OPTIONS ?? '')?.[1]);
    expect(heap).toBe(Math.min(Math.floor((limitMiB * node.heapPercentOfMemoryLimit) / 100), limitMiB - node.nonHeapMiB));
    expect(heap + node.nonHeapMiB).toBeLessThanOrEqual(limitMiB);
  });

  it.each(SERVICES)('%s: one libuv thread per CPU of its limit', (service) => {
    const cpus = quantity(containerOf(objects, service).resources!.limits!.cpu!);
    expect(Number(environmentOf(objects, service).UV_THREADPOOL_SIZE)).toBe(Math.max(1, Math.ceil(cpus)));
  });

  it("the services' database pools at their peak fit PostgreSQL's max_connections", () => {
    const { postgres } = valuesOf(environment);
    const connections = SERVICES.map((service) => {
      // As the code reads it (the chart must not render a value the schema would refuse or default).
      const pool = platformConfigSchema.parse({ ...environmentOf(objects, service), REDIS_URL: 'redis://redis.invalid:6379' }).DATABASE_POOL_MAX;
      expect(environmentOf(objects, service).DATABASE_POOL_MAX).toBe(String(pool));
      return peakPods(objects, service) * pool;
    });
    expect(connections.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(postgres.maxConnections - postgres.reservedConnections);
  });

  it.each(SERVICES)('%s: its plain environment is valid for the code', (service) => {
    expect(() => platformConfigSchema.parse({ ...environmentOf(objects, service), REDIS_URL: 'redis://redis.invalid:6379' })).not.toThrow();
  });
});

describe('the checks themselves', () => {
  const routes = () => routesOf(render('prod'), 'order-service');

  it('read quantities in every unit and count the pods a rollout may add', () => {
    expect([quantity('768Mi'), quantity('1.5Gi'), quantity('536870912'), quantity('500m'), quantity(2)]).toEqual([768 * MEBIBYTE, 1536 * MEBIBYTE, 512 * MEBIBYTE, 0.5, 2]);
    const prod = render('prod');
    // prod: order-service's HPA allows 20 pods, and a Rollout may double them.
    expect(peakPods(prod, 'order-service')).toBe(40);
    // dev: one Deployment pod, plus its 25 % surge (rounded up).
    expect(peakPods(render('dev'), 'order-service')).toBe(2);
  });

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
