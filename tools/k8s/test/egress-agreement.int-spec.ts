import { createECDH, generateKeyPairSync } from 'node:crypto';
import { loadConfig, type ConfigExtension } from '@ecotrack/platform';
import { openBaoSettings } from '@ecotrack/secrets';
import { environmentOf, isWorkload, NAMESPACE, readValues, render, RENDERINGS, SERVICES, type Environment, type K8sObject, type Service } from './support/chart';
import { cidrContains, egressDenial, networkPoliciesIn, type Connection, type Destination } from './support/network-policy';
import { notificationConfig } from '../../../apps/notification-service/src/config';
import { orderConfig } from '../../../apps/order-service/src/config';
import { paymentConfig } from '../../../apps/payment-service/src/config';
import { productConfig } from '../../../apps/product-service/src/config';
import { userConfig } from '../../../apps/user-service/src/config';

/**
 * The whole outbound map of every service, from its own configuration, against the rendered chart.
 *
 * Each service's configuration is read as its code reads it: the env the chart renders for its
 * container, through the service's own schema (loadConfig with apps/<service>/src/config.ts), its
 * OpenBao settings (libs/secrets) and OTEL_EXPORTER_OTLP_ENDPOINT (read by the OpenTelemetry SDK).
 * Every endpoint in it is collected without naming them here: every URL value (providers, JWKS,
 * product-service, PostgreSQL, Redis, OpenBao, OTLP), every host:port list (Kafka brokers) and every
 * host list the code checks callers' URLs against (PayPal's certificate hosts, the Web Push
 * services: the code's defaults when the chart sets none). Plus DNS, and istiod for the sidecar.
 * Secrets (from OpenBao at run time) are stubbed only so the schemas accept the rest; REDIS_URL
 * (also from OpenBao) is an address where the values say Redis lives (infrastructure.redis).
 *
 * Each endpoint must be reachable:
 * - the rendered NetworkPolicies admit the connection (support/network-policy.ts): in-cluster
 *   hosts (<service>.<namespace>.svc) at their namespace's pods, PostgreSQL/Redis/Kafka outside
 *   the cluster at an address of their CIDRs, providers at a public address;
 * - where the pod's Sidecar makes outbound traffic REGISTRY_ONLY, the mesh knows the host: a
 *   Service of a namespace the Sidecar imports, or a ServiceEntry (host or address, port, TLS for
 *   https) exported to the namespace;
 * - with the egress gateway on, every provider host with a name (not a wildcard, which a gateway
 *   passing TLS through cannot resolve) goes sidecar -> gateway (VirtualService on `mesh`, SNI
 *   match) -> provider (VirtualService on the Gateway, PASSTHROUGH server for the host, ServiceEntry
 *   resolution DNS exported to the gateway's namespace), and the pod reaches the gateway's pods.
 * And nothing more leaves: a service reaches public addresses only on the ports of providers it
 * calls directly, and no service reaches private, shared, link-local or loopback addresses on them.
 *
 * Every environment, every switch variant of support/chart.ts, each with the egress gateway as the
 * environment has it and flipped.
 */

type Values = {
  egress?: { gateway?: { enabled?: boolean; targetPort?: number } };
  infrastructure: Record<'postgres' | 'redis' | 'kafka', { port?: number; cidrs: string[] }>;
  services: Record<string, { secretEnv?: Record<string, string> } | null>;
};

/** values.yaml under values-<environment>.yaml, for the few keys read here. */
function valuesOf(environment: Environment) {
  const defaults = readValues<Values>('values.yaml');
  const overrides = readValues<Partial<Values>>(`values-${environment}.yaml`);
  return {
    gateway: { ...defaults.egress?.gateway, ...overrides.egress?.gateway },
    infrastructure: { ...defaults.infrastructure, ...overrides.infrastructure } as Values['infrastructure'],
    secretEnv: (service: Service) => Object.keys(defaults.services[service]?.secretEnv ?? {}),
  };
}

/** Every rendering: [label, environment, helm arguments, egress gateway on]. */
const CASES: Array<[string, Environment, string[], boolean]> = RENDERINGS.flatMap(([label, environment, args]) => {
  const own = valuesOf(environment).gateway.enabled === true;
  return [
    [`${label}, egress gateway ${own ? 'on' : 'off'}`, environment, args, own],
    [`${label}, egress gateway ${own ? 'off' : 'on'} (flipped)`, environment, [...args, '--set', `egress.gateway.enabled=${!own}`], !own],
  ] as Array<[string, Environment, string[], boolean]>;
});

/** Stand-ins for a public address of a provider, and for addresses no provider call may reach. */
const PUBLIC_ADDRESS = '198.51.100.20';
const NOT_PUBLIC = ['10.1.2.3', '172.16.0.5', '192.168.1.1', '100.64.0.1', '169.254.169.254', '127.0.0.1'];
/** Cluster facts (EKS, Istio): where DNS and istiod run. */
const DNS = { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } };
const ISTIOD = { namespace: 'istio-system', labels: { app: 'istiod' }, port: 15012 };
/** The configuration keys that name a managed service of the VPC (outside the cluster, not on the internet). */
const VPC_DEPENDENCY: Record<string, 'postgres' | 'redis' | 'kafka'> = { DATABASE_URL: 'postgres', REDIS_URL: 'redis', KAFKA_BROKERS: 'kafka' };
const DEFAULT_PORTS: Record<string, number> = { 'https:': 443, 'http:': 80, 'postgres:': 5432, 'postgresql:': 5432, 'redis:': 6379, 'rediss:': 6379, 'smtp:': 587, 'smtps:': 465 };

interface Endpoint {
  /** Where it comes from: the configuration key. */
  key: string;
  /** A host name, a wildcard pattern (*.push.apple.com) or an address. */
  host: string;
  port: number;
  protocol: 'TCP' | 'UDP';
  /** The service speaks TLS itself (https): the mesh must pass it by server name. */
  tls: boolean;
}

interface Container {
  name: string;
  env?: Array<{ name: string; value?: string }>;
  ports?: Array<{ name?: string; containerPort: number }>;
}

function workloadOf(objects: K8sObject[], service: Service): K8sObject {
  const workload = objects.find((o) => isWorkload(o) && o.metadata.name === service);
  if (!workload) throw new Error(`no workload for ${service}`);
  return workload;
}
const podTemplate = (workload: K8sObject) => (workload.spec as { template: { metadata: { labels: Record<string, string> }; spec: { containers: Container[] } } }).template;

/** Values of the right shape for the service's secrets (they come from OpenBao; none is an endpoint). */
function secretStubs(names: string[]): Record<string, string> {
  const stubs: Record<string, string> = {};
  const vapid = createECDH('prime256v1');
  vapid.generateKeys();
  for (const name of names) {
    if (name.endsWith('_PEM')) {
      stubs[name] = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    } else if (name === 'VAPID_PUBLIC_KEY') stubs[name] = vapid.getPublicKey().toString('base64url');
    // 32 bytes: getPrivateKey drops leading zero bytes (1 key in 256).
    else if (name === 'VAPID_PRIVATE_KEY') stubs[name] = Buffer.from(vapid.getPrivateKey('hex').padStart(64, '0'), 'hex').toString('base64url');
    else if (name === 'SMS_FROM') stubs[name] = '+15550100000';
    else stubs[name] = 'stub-secret';
  }
  return stubs;
}

/** The first host address of a CIDR (10.0.0.0/16 -> 10.0.0.1). */
const addressIn = (cidr: string) => cidr.split('/')[0].replace(/\.0$/, '.1');

/** The service's configuration as its code reads it in that rendering. */
function configurationOf(objects: K8sObject[], environment: Environment, service: Service): { config: Record<string, unknown>; env: Record<string, string> } {
  const values = valuesOf(environment);
  const redis = values.infrastructure.redis;
  const env = { ...environmentOf(objects, service), ...secretStubs(values.secretEnv(service)), REDIS_URL: `redis://${addressIn(redis.cidrs[0])}:${redis.port}` };
  const extensions: Record<Service, ConfigExtension> = {
    'user-service': userConfig(env),
    'product-service': productConfig,
    'order-service': orderConfig,
    'payment-service': paymentConfig,
    'notification-service': notificationConfig(env),
  };
  return { config: loadConfig(extensions[service], env) as Record<string, unknown>, env };
}

/**
 * Settings whose value is a URL but names something rather than addressing it: the tokens' `iss`
 * claim (nothing fetches it; the keys come from JWT_JWKS_URL, which is collected).
 */
const NAMES_NOT_ADDRESSES = new Set(['JWT_ISSUER']);

/** Every endpoint in a service's configuration (see the header), plus DNS. */
function endpointsOf(config: Record<string, unknown>, env: Record<string, string>, service: Service): Endpoint[] {
  const endpoints: Endpoint[] = [];
  const fromUrl = (key: string, value: string) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return;
    }
    const defaultPort = DEFAULT_PORTS[url.protocol];
    if (defaultPort === undefined || !url.hostname) return; // mailto:, urn: ...
    endpoints.push({ key, host: url.hostname.toLowerCase(), port: url.port ? Number(url.port) : defaultPort, protocol: 'TCP', tls: url.protocol === 'https:' });
  };
  for (const [key, value] of Object.entries(config)) {
    if (NAMES_NOT_ADDRESSES.has(key)) continue;
    if (typeof value === 'string') fromUrl(key, value);
    else if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
      for (const item of value as string[]) {
        const hostPort = /^([\w.-]+):(\d{1,5})$/.exec(item);
        if (hostPort) endpoints.push({ key, host: hostPort[1].toLowerCase(), port: Number(hostPort[2]), protocol: 'TCP', tls: false });
        // A host list the code checks the URLs it will fetch against (https, as both lists' users demand).
        else if (/^\.?[a-z0-9.-]+$/.test(item)) endpoints.push({ key, host: item.startsWith('.') ? `*${item}` : item, port: 443, protocol: 'TCP', tls: true });
        else if (item === '*') endpoints.push({ key, host: '*', port: 443, protocol: 'TCP', tls: true });
      }
    }
  }
  const openbao = openBaoSettings(env, service);
  if (openbao) fromUrl('OPENBAO_ADDR', openbao.address);
  // The OpenTelemetry SDK reads the standard variable itself (default http://localhost:4318: in the pod).
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT) fromUrl('OTEL_EXPORTER_OTLP_ENDPOINT', env.OTEL_EXPORTER_OTLP_ENDPOINT);
  return endpoints;
}

/** <service>.<namespace>.svc[.cluster.local] (or <pod>.<service>.<namespace>.svc): the namespace and Service. */
function inCluster(host: string): { namespace: string; service: string } | undefined {
  const labels = host.replace(/\.cluster\.local$/, '').split('.');
  if (labels.length < 3 || labels[labels.length - 1] !== 'svc') return undefined;
  return { namespace: labels[labels.length - 2], service: labels[labels.length - 3] };
}

function namespaceLabels(objects: K8sObject[], namespace: string): Record<string, string> {
  const rendered = objects.find((o) => o.kind === 'Namespace' && o.metadata.name === namespace);
  return { ...rendered?.metadata.labels, 'kubernetes.io/metadata.name': namespace };
}

/** The pods behind an in-cluster Service: ours from the rendered workload; others' labels are unknown here (only a namespace-wide rule admits them). */
function podsOf(objects: K8sObject[], namespace: string, service: string): Destination {
  const ours = namespace === NAMESPACE && (SERVICES as readonly string[]).includes(service);
  const template = ours ? podTemplate(workloadOf(objects, service as Service)) : undefined;
  const namedPorts = Object.fromEntries(
    (template?.spec.containers.find((c) => c.name === service)?.ports ?? []).filter((p) => p.name).map((p) => [p.name!, p.containerPort]),
  );
  return { pod: { namespace, namespaceLabels: namespaceLabels(objects, namespace), labels: template?.metadata.labels ?? {}, namedPorts } };
}

const hostMatches = (pattern: string, host: string) =>
  pattern === host || (pattern.startsWith('*.') && (host.startsWith('*.') ? host.endsWith(pattern.slice(1)) : host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1));

interface ServiceEntrySpec {
  hosts: string[];
  addresses?: string[];
  ports?: Array<{ number: number; protocol?: string }>;
  resolution?: string;
  exportTo?: string[];
}
interface TlsRoute {
  match?: Array<{ gateways?: string[]; port?: number; sniHosts?: string[] }>;
  route?: Array<{ destination: { host: string; subset?: string; port?: { number: number } } }>;
}

const exportedTo = (exportTo: string[] | undefined, objectNamespace: string, namespace: string) =>
  !exportTo?.length || exportTo.includes('*') || exportTo.includes(namespace) || (exportTo.includes('.') && objectNamespace === namespace);

/** The ServiceEntries of the rendering visible in the pods' namespace that cover the endpoint. */
function serviceEntriesFor(objects: K8sObject[], endpoint: Endpoint, address?: string): K8sObject[] {
  return objects.filter((o) => {
    if (o.kind !== 'ServiceEntry') return false;
    const spec = o.spec as unknown as ServiceEntrySpec;
    if (!exportedTo(spec.exportTo, o.metadata.namespace ?? NAMESPACE, NAMESPACE)) return false;
    const port = (spec.ports ?? []).find((p) => p.number === endpoint.port);
    if (!port) return false;
    // The sidecar reads an https call's server name only on a TLS (or HTTPS) port; a plain TCP one is matched by address.
    if (endpoint.tls && !['TLS', 'HTTPS'].includes(port.protocol ?? '')) return false;
    return spec.hosts.some((pattern) => hostMatches(pattern, endpoint.host)) || (address !== undefined && (spec.addresses ?? []).some((cidr) => cidrContains(cidr, address)));
  });
}

/** The Sidecar that applies to the pod (a workload-specific one before the namespace's). */
function sidecarOf(objects: K8sObject[], labels: Record<string, string>) {
  const sidecars = objects.filter((o) => o.kind === 'Sidecar' && (o.metadata.namespace ?? NAMESPACE) === NAMESPACE);
  const specific = sidecars.find((o) => {
    const selector = (o.spec as { workloadSelector?: { labels: Record<string, string> } }).workloadSelector;
    return selector && Object.entries(selector.labels).every(([k, v]) => labels[k] === v);
  });
  const sidecar = specific ?? sidecars.find((o) => !(o.spec as { workloadSelector?: unknown }).workloadSelector);
  const spec = sidecar?.spec as { outboundTrafficPolicy?: { mode?: string }; egress?: Array<{ hosts: string[] }> } | undefined;
  return {
    registryOnly: spec?.outboundTrafficPolicy?.mode === 'REGISTRY_ONLY',
    /** Whether a Service of that namespace is imported by the sidecar. */
    imports: (namespace: string) =>
      (spec?.egress ?? [{ hosts: ['*/*'] }]).some((listener) =>
        listener.hosts.some((entry) => {
          const [ns, host] = entry.split('/');
          return (ns === '*' || ns === namespace || (ns === '.' && namespace === NAMESPACE)) && host === '*';
        }),
      ),
  };
}

/** The egress gateway route of a provider host, or why there is none. */
function gatewayRoute(objects: K8sObject[], endpoint: Endpoint): { namespace: string; selector: Record<string, string> } | string {
  const services = objects.filter((o) => o.kind === 'VirtualService' && ((o.spec.hosts ?? []) as string[]).includes(endpoint.host));
  const tls = services.flatMap((o) => ((o.spec.tls ?? []) as TlsRoute[]).map((route) => ({ route, object: o })));
  const matching = (gateway: string, port: number) =>
    tls.find(({ route }) => route.match?.some((m) => (m.gateways ?? ['mesh']).includes(gateway) && m.port === port && (m.sniHosts ?? []).includes(endpoint.host)));
  const outbound = matching('mesh', endpoint.port);
  if (!outbound) return `no VirtualService sends ${endpoint.host}:${endpoint.port} from the sidecars (gateway mesh, sniHosts) to the egress gateway`;
  const toGateway = outbound.route.route?.[0]?.destination;
  const gatewayService = toGateway && inCluster(toGateway.host);
  if (!toGateway || !gatewayService) return `VirtualService ${outbound.object.metadata.name} sends ${endpoint.host} to ${toGateway?.host}, not to an egress gateway Service`;
  const gatewayName = ((outbound.object.spec.gateways ?? []) as string[]).find((g) => g !== 'mesh');
  const gateway = objects.find((o) => o.kind === 'Gateway' && o.metadata.name === gatewayName);
  if (!gateway) return `VirtualService ${outbound.object.metadata.name} names no rendered egress Gateway (${gatewayName})`;
  const gatewayPort = toGateway.port?.number ?? endpoint.port;
  const servers = (gateway.spec.servers ?? []) as Array<{ port: { number: number; protocol: string }; hosts: string[]; tls?: { mode?: string } }>;
  if (!servers.some((s) => s.port.number === gatewayPort && s.port.protocol === 'TLS' && s.tls?.mode === 'PASSTHROUGH' && s.hosts.some((h) => hostMatches(h.replace(/^[^/]*\//, ''), endpoint.host)))) {
    return `Gateway ${gatewayName} has no TLS PASSTHROUGH server on ${gatewayPort} for ${endpoint.host}`;
  }
  const onward = matching(gatewayName!, gatewayPort)?.route.route?.[0]?.destination;
  if (onward?.host !== endpoint.host || (onward.port?.number ?? gatewayPort) !== endpoint.port) {
    return `no VirtualService sends ${endpoint.host} from Gateway ${gatewayName} on to ${endpoint.host}:${endpoint.port}`;
  }
  const entries = serviceEntriesFor(objects, endpoint).filter(
    (o) => (o.spec as unknown as ServiceEntrySpec).resolution === 'DNS' && exportedTo((o.spec as unknown as ServiceEntrySpec).exportTo, o.metadata.namespace!, gatewayService.namespace),
  );
  if (!entries.length) return `no ServiceEntry with resolution DNS for ${endpoint.host}:${endpoint.port} is exported to the gateway's namespace ${gatewayService.namespace}`;
  return { namespace: gatewayService.namespace, selector: gateway.spec.selector as Record<string, string> };
}

/** Why each endpoint of the service cannot be reached in this rendering (empty: all can). */
function unreachable(objects: K8sObject[], environment: Environment, service: Service, gatewayOn: boolean): string[] {
  const { config, env } = configurationOf(objects, environment, service);
  const values = valuesOf(environment);
  const labels = podTemplate(workloadOf(objects, service)).metadata.labels;
  const source = { namespace: NAMESPACE, labels };
  const policies = networkPoliciesIn(objects, NAMESPACE);
  const sidecar = sidecarOf(objects, labels);
  const istio = objects.some((o) => o.kind === 'PeerAuthentication');
  const problems: string[] = [];
  const check = (what: string, connection: Connection) => {
    const denial = egressDenial(policies, source, connection);
    if (denial) problems.push(`${what}: NetworkPolicy: ${denial}`);
  };

  check(`DNS ${DNS.namespace}:53/UDP`, { to: { pod: { ...DNS, namespaceLabels: namespaceLabels(objects, DNS.namespace) } }, port: 53, protocol: 'UDP' });
  check(`DNS ${DNS.namespace}:53/TCP`, { to: { pod: { ...DNS, namespaceLabels: namespaceLabels(objects, DNS.namespace) } }, port: 53 });
  if (istio) check(`istiod ${ISTIOD.namespace}:${ISTIOD.port}`, { to: { pod: { ...ISTIOD, namespaceLabels: namespaceLabels(objects, ISTIOD.namespace) } }, port: ISTIOD.port });

  const endpoints = endpointsOf(config, env, service);
  if (!endpoints.some((e) => e.key === 'DATABASE_URL') || !endpoints.some((e) => e.key === 'KAFKA_BROKERS')) {
    problems.push(`read no DATABASE_URL or KAFKA_BROKERS from the configuration (found ${endpoints.map((e) => e.key).join(', ')})`);
  }
  for (const endpoint of endpoints) {
    const what = `${endpoint.key} ${endpoint.host}:${endpoint.port}`;
    if (endpoint.host === '*') {
      problems.push(`${what}: the configuration allows any host, which no egress rule can name`);
      continue;
    }
    const cluster = inCluster(endpoint.host);
    if (cluster) {
      check(what, { to: podsOf(objects, cluster.namespace, cluster.service), port: endpoint.port, protocol: endpoint.protocol });
      if (sidecar.registryOnly && !sidecar.imports(cluster.namespace)) problems.push(`${what}: REGISTRY_ONLY and the Sidecar imports no Service of namespace ${cluster.namespace}`);
      continue;
    }
    const vpc = VPC_DEPENDENCY[endpoint.key];
    const address = /^[\d.]+$/.test(endpoint.host) ? endpoint.host : vpc ? addressIn(values.infrastructure[vpc].cidrs[0]) : PUBLIC_ADDRESS;
    const viaGateway = gatewayOn && !vpc && !endpoint.host.startsWith('*.');
    if (viaGateway) {
      const route = gatewayRoute(objects, endpoint);
      if (typeof route === 'string') problems.push(`${what}: egress gateway: ${route}`);
      else {
        // The gateway pods' port behind its Service's 443 (Istio's gateway chart; the values state it).
        const port = values.gateway.targetPort;
        if (port === undefined) problems.push(`${what}: the values name no egress.gateway.targetPort (the gateway pods' port)`);
        else check(`${what} (through the egress gateway)`, { to: { pod: { namespace: route.namespace, namespaceLabels: namespaceLabels(objects, route.namespace), labels: route.selector } }, port });
        if (sidecar.registryOnly && !sidecar.imports(route.namespace)) problems.push(`${what}: REGISTRY_ONLY and the Sidecar imports no Service of the egress gateway's namespace ${route.namespace}`);
      }
    } else check(`${what} (at ${address})`, { to: { ip: address }, port: endpoint.port, protocol: endpoint.protocol });
    if (sidecar.registryOnly && serviceEntriesFor(objects, endpoint, address).length === 0) {
      problems.push(`${what}: REGISTRY_ONLY and no ServiceEntry covers it${endpoint.tls ? ' (TLS port)' : ''}`);
    }
  }
  return problems;
}

/** Connections to public or private addresses the service has no direct provider for. */
function overreach(objects: K8sObject[], environment: Environment, service: Service, gatewayOn: boolean): string[] {
  const { config, env } = configurationOf(objects, environment, service);
  const direct = endpointsOf(config, env, service).filter((e) => !inCluster(e.host) && !VPC_DEPENDENCY[e.key] && !(gatewayOn && !e.host.startsWith('*.')));
  const providerPorts = [...new Set([443, ...endpointsOf(config, env, service).filter((e) => e.tls).map((e) => e.port)])];
  const source = { namespace: NAMESPACE, labels: podTemplate(workloadOf(objects, service)).metadata.labels };
  const policies = networkPoliciesIn(objects, NAMESPACE);
  const problems: string[] = [];
  for (const port of providerPorts) {
    const allowed = !egressDenial(policies, source, { to: { ip: PUBLIC_ADDRESS }, port });
    const needed = direct.some((e) => e.port === port);
    if (allowed && !needed) problems.push(`reaches public addresses on ${port}, but calls no provider there directly${gatewayOn ? ' (the egress gateway carries its calls)' : ''}`);
    for (const address of NOT_PUBLIC) {
      if (!egressDenial(policies, source, { to: { ip: address }, port })) problems.push(`reaches ${address} on ${port}`);
    }
  }
  return problems;
}

describe.each(CASES)('egress (%s): the chart against each service’s configuration', (_label, environment, args, gatewayOn) => {
  const objects = () => render(environment, args);

  it.each(SERVICES)('%s reaches every endpoint of its configuration', (service) => {
    expect(unreachable(objects(), environment, service, gatewayOn)).toEqual([]);
  });

  it.each(SERVICES)('%s reaches no public address it has no provider at, and no private one on a provider port', (service) => {
    expect(overreach(objects(), environment, service, gatewayOn)).toEqual([]);
  });
});

describe('the egress checks themselves', () => {
  const prod = () => structuredClone(render('prod'));
  const dev = () => structuredClone(render('dev'));

  it('read the providers from the code: the URLs of the chart and the host lists the code checks URLs against', () => {
    const objects = dev();
    const hosts = (service: Service) => {
      const { config, env } = configurationOf(objects, 'dev', service);
      return endpointsOf(config, env, service).map((e) => `${e.key} ${e.host}:${e.port}`);
    };
    expect(hosts('payment-service')).toEqual(expect.arrayContaining(['STRIPE_API_BASE api.stripe.com:443', 'PAYPAL_WEBHOOK_CERT_HOSTS api.paypal.com:443']));
    expect(hosts('notification-service')).toEqual(expect.arrayContaining(['TWILIO_API_BASE api.twilio.com:443', 'PUSH_ENDPOINT_HOSTS *.push.apple.com:443']));
    expect(hosts('order-service')).toEqual(expect.arrayContaining(['OPENBAO_ADDR openbao.openbao.svc:8200', 'OTEL_EXPORTER_OTLP_ENDPOINT otel-collector.observability.svc:4318']));
  });

  it('name a provider host without a ServiceEntry, and one the egress gateway does not route', () => {
    const objects = prod().filter((o) => !(o.kind === 'ServiceEntry' && (o.spec.hosts as string[]).includes('api.stripe.com')));
    expect(unreachable(objects, 'prod', 'payment-service', true)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^STRIPE_API_BASE api\.stripe\.com:443: egress gateway: no ServiceEntry with resolution DNS/), expect.stringMatching(/REGISTRY_ONLY and no ServiceEntry covers it/)]),
    );
    const unrouted = prod().filter((o) => !(o.kind === 'VirtualService' && (o.spec.hosts as string[] | undefined)?.includes('api.twilio.com')));
    expect(unreachable(unrouted, 'prod', 'notification-service', true)).toEqual([
      'TWILIO_API_BASE api.twilio.com:443: egress gateway: no VirtualService sends api.twilio.com:443 from the sidecars (gateway mesh, sniHosts) to the egress gateway',
    ]);
  });

  it('name a NetworkPolicy that lets a service out to the internet, or not to its provider', () => {
    const objects = dev();
    const order = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'order-service')!;
    (order.spec.egress as unknown[]).push({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 443 }] });
    expect(overreach(objects, 'dev', 'order-service', false)).toEqual(['reaches public addresses on 443, but calls no provider there directly', 'reaches 10.1.2.3 on 443', 'reaches 172.16.0.5 on 443', 'reaches 192.168.1.1 on 443', 'reaches 100.64.0.1 on 443', 'reaches 169.254.169.254 on 443', 'reaches 127.0.0.1 on 443']);
    const payment = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'payment-service')!;
    // Without its rule to the internet (the one ipBlock with exceptions).
    payment.spec.egress = (payment.spec.egress as Array<{ to?: Array<{ ipBlock?: { except?: string[] } }> }>).filter((rule) => !rule.to?.some((peer) => peer.ipBlock?.except));
    expect(unreachable(objects, 'dev', 'payment-service', false)).toEqual(expect.arrayContaining([expect.stringMatching(/^STRIPE_API_BASE api\.stripe\.com:443 \(at 198\.51\.100\.20\): NetworkPolicy: no egress rule of/)]));
  });
});
