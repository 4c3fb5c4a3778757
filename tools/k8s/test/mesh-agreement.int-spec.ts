import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt, type JWTPayload } from 'jose';
import { authOptionsFromConfig, loadConfig, TokenVerifier, type ConfigExtension } from '@ecotrack/platform';
import { ENVIRONMENTS, environmentOf, NAMESPACE, namespaceOf, readValues, render, RENDERINGS, SERVICES, type Environment, type K8sObject, type Service } from './support/chart';
import { evaluate, policiesFor, type AuthzRequest } from './support/istio-authz';
import { plan } from '../wait-for';
import { notificationConfig } from '../../../apps/notification-service/src/config';
import { orderConfig } from '../../../apps/order-service/src/config';
import { PRODUCT_SERVICE_ROUTES } from '../../../apps/order-service/src/product-client/product-client';
import { paymentConfig } from '../../../apps/payment-service/src/config';
import { productConfig } from '../../../apps/product-service/src/config';
import { userConfig, type UserConfig } from '../../../apps/user-service/src/config';
import { AccessTokenIssuer } from '../../../apps/user-service/src/keys/access-token.issuer';
import { signingKey, StaticSigningKeys } from '../../../apps/user-service/src/keys/signing-keys';

/**
 * Identity and authorization in the mesh, the chart against the code, for every environment and
 * switch variant:
 *
 * - A token minted by user-service's own issuer (AccessTokenIssuer, configured from the rendered
 *   environment through user-service's config schema) passes the rendered RequestAuthentication
 *   (issuer, audiences) and, at the edge (Istio gateway, Emissary), every AuthorizationPolicy of
 *   the service it reaches (request principal, audience and claim conditions such as roles); and
 *   every service's own verification (TokenVerifier with its rendered JWT_ISSUER / JWT_AUDIENCE,
 *   read by its own schema) accepts it, with the mesh on or off.
 * - Every call a service makes to another is allowed by the callee's rendered AuthorizationPolicy
 *   for that caller's principal, method and path: order-service's product reads (the routes its
 *   product client calls), the JWKS fetches (in process where the service's schema reads
 *   JWT_JWKS_URL; by every sidecar, the RequestAuthentication's jwksUri) and the init
 *   containers' readiness waits (tools/k8s/wait-for.js's own plan of their targets).
 * - With Istio on, no init-container wait is a bare TCP connect to a port the sidecar intercepts
 *   (the sidecar accepts at once, so such a wait proves nothing).
 */

interface PodTemplate {
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { serviceAccountName?: string; initContainers?: Container[]; containers: Container[] };
}
interface Container {
  name: string;
  command?: string[];
  args?: string[];
  env?: Array<{ name: string; value?: string }>;
  envFrom?: unknown[];
}

/** Every pod template of the render, with the object it belongs to. */
function podTemplates(objects: K8sObject[]): Array<{ owner: string; template: PodTemplate }> {
  return objects.flatMap((o) => {
    const spec = o.spec as { template?: PodTemplate; jobTemplate?: { spec: { template: PodTemplate } } };
    const template = o.kind === 'CronJob' ? spec.jobTemplate?.spec.template : ['Deployment', 'Rollout', 'Job', 'StatefulSet', 'DaemonSet'].includes(o.kind) ? spec.template : undefined;
    return template ? [{ owner: `${o.kind}/${o.metadata.name}`, template }] : [];
  });
}

/** The pod template of a service's stable workload. */
function workloadOf(objects: K8sObject[], service: Service): PodTemplate {
  const workload = objects.find((o) => (o.kind === 'Deployment' || o.kind === 'Rollout') && o.metadata.name === service);
  if (!workload) throw new Error(`no workload for ${service}`);
  return (workload.spec as { template: PodTemplate }).template;
}

const plainEnv = (container: Container): Record<string, string> =>
  Object.fromEntries((container.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));


/** What OpenBao (or the ExternalSecret) adds at run time and the render cannot show: stubbed. */
const withSecretsStubbed = (env: Record<string, string>) => ({ ...env, REDIS_URL: 'redis://redis.invalid:6379' });

/** A service's configuration extension, as its code builds it from that environment. */
function extensionOf(service: Service, env: Record<string, string>): ConfigExtension {
  switch (service) {
    case 'user-service':
      return userConfig(env);
    case 'product-service':
      return productConfig;
    case 'order-service':
      return orderConfig;
    case 'payment-service':
      return paymentConfig;
    case 'notification-service':
      return notificationConfig(env);
  }
}

/**
 * The service's token settings read by its own schema entries (JWT_*). Only those: the other
 * entries want secrets (provider keys) that OpenBao gives at run time.
 */
function jwtConfigOf(service: Service, env: Record<string, string>) {
  const extension = extensionOf(service, env);
  const jwtPart = Object.fromEntries(Object.entries(extension).filter(([name]) => name.startsWith('JWT_'))) as ConfigExtension;
  return loadConfig(jwtPart, withSecretsStubbed(env)) as Record<string, unknown>;
}

/** Chart values (values.yaml under values-<environment>.yaml, one level deep) of the keys read here. */
function valuesOf(environment: Environment) {
  type Values = {
    global: { clusterDomain: string };
    istio: { ingressGateway: { namespace: string; serviceAccount: string } };
    emissary: { namespace: string; serviceAccount: string };
  };
  const base = readValues<Values>('values.yaml');
  const overrides = readValues<Partial<Values>>(`values-${environment}.yaml`);
  return {
    trustDomain: overrides.global?.clusterDomain ?? base.global.clusterDomain,
    gateway: { ...base.istio.ingressGateway, ...overrides.istio?.ingressGateway },
    emissary: { ...base.emissary, ...overrides.emissary },
  };
}

const principalOf = (trustDomain: string, namespace: string, serviceAccount: string) => `${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;

/** user-service's own issuer, configured from the rendered environment, with an ephemeral key. */
async function mintToken(objects: K8sObject[], roles: string[]) {
  const env = environmentOf(objects, 'user-service');
  const config = loadConfig(userConfig(env), withSecretsStubbed(env)) as unknown as UserConfig;
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keys = new StaticSigningKeys(await signingKey('mesh-agreement', privateKey));
  const token = await new AccessTokenIssuer(config, keys).issue({ userId: '0b5e6c1e-7d1c-4b7e-9f51-2f0c0a9d8e11', roles, sessionId: 'mesh-agreement' });
  return { token, claims: decodeJwt(token), keys };
}

const audiencesOf = (claims: JWTPayload) => (Array.isArray(claims.aud) ? claims.aud : claims.aud === undefined ? [] : [claims.aud]);

/** The pods (labels) a Service routes to: the pod templates whose labels its selector matches. */
function podsBehind(objects: K8sObject[], serviceName: string, namespace: string): PodTemplate[] {
  const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === serviceName && (o.metadata.namespace ?? NAMESPACE) === namespace);
  if (!service) return [];
  const selector = (service.spec as { selector?: Record<string, string> }).selector ?? {};
  return podTemplates(objects)
    .map(({ template }) => template)
    .filter((template) => Object.entries(selector).every(([key, value]) => template.metadata.labels?.[key] === value));
}

interface Call {
  what: string;
  caller: string;
  method: string;
  url: string;
}

/** Whether the callee's policies let the call in; a line naming what disagrees when not. */
function refusal(objects: K8sObject[], call: Call, request: Omit<AuthzRequest, 'method' | 'path'> = {}): string | undefined {
  const url = new URL(call.url);
  const host = /^([^.]+)\.([^.]+)(\.svc(\..+)?)?$/.exec(url.hostname);
  if (!host) return `${call.what}: ${call.caller} ${call.method} ${call.url}: host is not a cluster Service name`;
  const [, serviceName, namespace] = host;
  const pods = podsBehind(objects, serviceName, namespace);
  if (pods.length === 0) return `${call.what}: ${call.caller} ${call.method} ${call.url}: no rendered Service ${namespace}/${serviceName} with pods behind it`;
  for (const pod of pods) {
    const decision = evaluate(policiesFor(objects, namespace, pod.metadata.labels ?? {}), { ...request, method: call.method, path: `${url.pathname}${url.search}` });
    if (!decision.allowed) return `${call.what}: ${call.caller} (${request.principal ?? 'no peer identity'}) ${call.method} ${url.pathname} on ${serviceName}: ${decision.reason}`;
  }
  return undefined;
}

const sidecarInjected = (namespace: K8sObject, template: PodTemplate) => {
  const injection = namespace.metadata.labels?.['istio-injection'] === 'enabled' || template.metadata.labels?.['sidecar.istio.io/inject'] === 'true';
  return injection && template.metadata.annotations?.['sidecar.istio.io/inject'] !== 'false' && template.metadata.labels?.['sidecar.istio.io/inject'] !== 'false';
};

/** The wait-for init containers of a pod template, with the checks wait-for.js plans for them. */
function waitsOf(template: PodTemplate) {
  return (template.spec.initContainers ?? [])
    .filter((c) => [...(c.command ?? []), ...(c.args ?? [])].some((part) => part.endsWith('tools/k8s/wait-for.js')))
    .map((container) => {
      const argv = [...(container.command ?? []), ...(container.args ?? [])];
      const targets = argv.slice(argv.findIndex((part) => part.endsWith('tools/k8s/wait-for.js')) + 1).filter((part) => !part.startsWith('--'));
      return { container, checks: plan(targets, plainEnv(container)) };
    });
}

describe.each(RENDERINGS)('mesh agreement (%s)', (_label, environment, args) => {
  const objects = () => render(environment, args);
  const values = valuesOf(environment);

  it("a token from user-service's own issuer passes the RequestAuthentication and the edge AuthorizationPolicies", async () => {
    const rendered = objects();
    const { claims } = await mintToken(rendered, ['customer', 'admin']);
    const problems: string[] = [];

    const requestAuthentications = rendered.filter((o) => o.kind === 'RequestAuthentication');
    expect(requestAuthentications.map((o) => o.metadata.name)).not.toHaveLength(0);
    for (const ra of requestAuthentications) {
      const rules = (ra.spec as { jwtRules: Array<{ issuer: string; audiences?: string[] }> }).jwtRules;
      const rule = rules.find((r) => r.issuer === claims.iss);
      if (!rule) problems.push(`RequestAuthentication ${ra.metadata.name}: no jwtRule for the token's issuer "${claims.iss}" (rules: ${rules.map((r) => r.issuer).join(', ')})`);
      else if (rule.audiences?.length && !audiencesOf(claims).some((aud) => rule.audiences!.includes(aud)))
        problems.push(`RequestAuthentication ${ra.metadata.name}: token audience ${JSON.stringify(claims.aud)} is none of ${JSON.stringify(rule.audiences)}`);
    }

    // The edge: every route prefix of the Istio gateway (and of Emissary when on), from that
    // edge's principal, with the token: reads and writes, admin included (roles claim).
    const gateway = principalOf(values.trustDomain, values.gateway.namespace, values.gateway.serviceAccount);
    const edgeCalls: Array<{ principal: string; prefix: string; host: string }> = [];
    for (const vs of rendered.filter((o) => o.kind === 'VirtualService' && (o.spec as { gateways?: string[] }).gateways?.length)) {
      for (const route of (vs.spec as { http?: Array<{ match?: Array<{ uri?: { prefix?: string } }>; route: Array<{ destination: { host: string } }> }> }).http ?? []) {
        for (const match of route.match ?? []) {
          if (match.uri?.prefix) edgeCalls.push({ principal: gateway, prefix: match.uri.prefix, host: route.route[0].destination.host });
        }
      }
    }
    const emissary = principalOf(values.trustDomain, values.emissary.namespace, values.emissary.serviceAccount);
    for (const mapping of rendered.filter((o) => o.kind === 'Mapping')) {
      const spec = mapping.spec as { prefix: string; service: string };
      edgeCalls.push({ principal: emissary, prefix: spec.prefix, host: spec.service.replace(/:\d+$/, '') });
    }
    expect(edgeCalls).not.toHaveLength(0);
    for (const { principal, prefix, host } of edgeCalls) {
      for (const method of ['GET', 'POST', 'DELETE']) {
        for (const path of [prefix, `${prefix.replace(/\/$/, '')}/0b5e6c1e`]) {
          const problem = refusal(rendered, { what: 'edge request with a user-service token', caller: 'edge', method, url: `http://${host}${path}` }, { principal, claims });
          if (problem) problems.push(problem);
        }
      }
    }
    expect([...new Set(problems)]).toEqual([]);
  });

  it('every service calling another is allowed by the callee for its principal, method and path', () => {
    const rendered = objects();
    const calls: Call[] = [];
    const principalOfService = (service: string) => principalOf(values.trustDomain, NAMESPACE, workloadOf(rendered, service as Service).spec.serviceAccountName ?? 'default');

    // order-service's product reads: the routes its product client calls, at the URL its schema reads.
    const orderEnv = environmentOf(rendered, 'order-service');
    const productUrl = loadConfig(orderConfig, withSecretsStubbed(orderEnv)).PRODUCT_SERVICE_URL as string;
    for (const [name, route] of Object.entries(PRODUCT_SERVICE_ROUTES)) {
      calls.push({ what: `product client (${name})`, caller: 'order-service', method: route.method, url: new URL(`${route.path}?ids=0b5e6c1e`, productUrl).toString() });
    }
    // JWKS fetched in process: every service whose schema reads JWT_JWKS_URL.
    for (const service of SERVICES) {
      const config = jwtConfigOf(service, environmentOf(rendered, service));
      if (typeof config.JWT_JWKS_URL === 'string') calls.push({ what: 'JWKS fetch in process', caller: service, method: 'GET', url: config.JWT_JWKS_URL });
    }
    // JWKS fetched by every sidecar the RequestAuthentication applies to (istiod runs with
    // PILOT_JWT_ENABLE_REMOTE_JWKS=envoy, templates/istio/authorizationpolicy.yaml).
    const jwksUris = rendered
      .filter((o) => o.kind === 'RequestAuthentication')
      .flatMap((ra) => (ra.spec as { jwtRules: Array<{ jwksUri?: string }> }).jwtRules.map((rule) => rule.jwksUri).filter((uri): uri is string => Boolean(uri)));
    const principals = new Map<string, string>();
    for (const { owner, template } of podTemplates(rendered)) {
      principals.set(owner, principalOf(values.trustDomain, NAMESPACE, template.spec.serviceAccountName ?? 'default'));
      if (!sidecarInjected(namespaceOf(environment, args), template)) continue;
      for (const url of jwksUris) calls.push({ what: 'JWKS fetch by the sidecar', caller: owner, method: 'GET', url });
      // The init containers' waits for other services (HTTP), as wait-for.js plans them.
      for (const { container, checks } of waitsOf(template)) {
        for (const check of checks.filter((c) => c.protocol === 'http' && c.url)) calls.push({ what: `${container.name} init wait`, caller: owner, method: 'GET', url: check.url! });
      }
    }
    expect(calls.filter((c) => c.what === 'product client (batch)')).toHaveLength(1);
    for (const kind of ['JWKS fetch in process', 'JWKS fetch by the sidecar', 'wait-for-services init wait']) expect(calls.filter((c) => c.what === kind).length).toBeGreaterThan(0);

    // Calls into other namespaces (OpenBao's health) meet policies this chart does not render.
    const elsewhere = (call: Call) => /^[^.]+\.[^.]+\.svc(\.|$)/.test(new URL(call.url).hostname) && new URL(call.url).hostname.split('.')[1] !== NAMESPACE;
    const problems = calls
      .filter((call) => !elsewhere(call))
      .map((call) => refusal(rendered, call, { principal: principals.get(call.caller) ?? principalOfService(call.caller) }))
      .filter((problem): problem is string => problem !== undefined);
    expect(problems).toEqual([]);
  });

  it('no init-container wait is a bare TCP connect the sidecar would answer itself', () => {
    const rendered = objects();
    const problems: string[] = [];
    let waits = 0;
    for (const { owner, template } of podTemplates(rendered)) {
      if (!sidecarInjected(namespaceOf(environment, args), template)) continue;
      const excluded = new Set((template.metadata.annotations?.['traffic.sidecar.istio.io/excludeOutboundPorts'] ?? '').split(',').filter(Boolean).map(Number));
      for (const { container, checks } of waitsOf(template)) {
        waits += checks.length;
        for (const check of checks) {
          if (check.protocol === 'tcp' && !excluded.has(check.port)) {
            problems.push(`${owner} ${container.name}: ${check.label} is a bare TCP connect to port ${check.port}, which the Istio sidecar intercepts and accepts whether or not anything is behind it`);
          }
        }
      }
    }
    expect(waits).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });
});

/**
 * Verification holds with the mesh on and off: in every variant, the mesh's off included, the
 * services accept what user-service signs, and it signs what the environment's mesh expects
 * (the RequestAuthentication of its plain render): switching Istio off changes no token.
 */
describe.each(ENVIRONMENTS)('token verification (%s)', (environment) => {
  const variants: Array<[string, string[]]> = [...RENDERINGS.filter(([, env]) => env === environment).map(([label, , args]): [string, string[]] => [label, args]), [`${environment} istio off`, ['--set', 'istio.enabled=false']]];

  it.each(variants)("%s: every service's own verification, with its rendered JWT_ISSUER and JWT_AUDIENCE, accepts user-service's token, minted for the mesh's issuer and audience", async (_label, args) => {
    const rendered = render(environment, args);
    const { token, claims, keys } = await mintToken(rendered, ['customer']);
    const problems: string[] = [];
    const meshRule = (render(environment).find((o) => o.kind === 'RequestAuthentication')?.spec as { jwtRules: Array<{ issuer: string; audiences: string[] }> }).jwtRules[0];
    if (claims.iss !== meshRule.issuer || !audiencesOf(claims).some((aud) => meshRule.audiences.includes(aud)))
      problems.push(`user-service signs iss "${claims.iss}", aud ${JSON.stringify(claims.aud)}; the ${environment} mesh expects iss "${meshRule.issuer}", aud one of ${JSON.stringify(meshRule.audiences)}`);
    for (const service of SERVICES) {
      const config = jwtConfigOf(service, environmentOf(rendered, service));
      // user-service verifies its own tokens in process (keys.localKeySet()), the others over JWKS.
      const options =
        typeof config.JWT_JWKS_URL === 'string'
          ? authOptionsFromConfig(config as Parameters<typeof authOptionsFromConfig>[0])
          : { issuer: config.JWT_ISSUER as string, audience: config.JWT_AUDIENCE as string };
      try {
        await new TokenVerifier({ ...options, keys: { keySet: keys.localKeySet() } }).verify(token);
      } catch (error) {
        problems.push(`${service} (JWT_ISSUER=${String(config.JWT_ISSUER)}, JWT_AUDIENCE=${String(config.JWT_AUDIENCE)}) rejects user-service's token: ${(error as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
