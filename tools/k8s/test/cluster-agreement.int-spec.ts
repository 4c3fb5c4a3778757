import { WORKSPACE_ROOT } from '@ecotrack/testing';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { CHART, helmBinary, NAMESPACE, quantity, RENDERINGS, render, type Environment, type K8sObject } from './support/chart';

/**
 * The chart against the cluster it lands in: what the rendered chart (every environment, every
 * switch variant) asks of Argo CD's AppProject, of Gatekeeper's policies, of the namespace's
 * ResourceQuota and of cert-manager.
 *
 * - Argo CD: every kind rendered is whitelisted by the AppProject with its real scope (the CRDs'
 *   own `scope` from ../shared/crds), and every namespace it lands in is a destination of the
 *   environment's cluster (the ApplicationSet's).
 * - Gatekeeper: the objects the cluster makes itself in the namespace (and the pods it makes from
 *   the rendered workloads, with Istio's sidecar) pass every policy (gator test); the policy suites
 *   pass (gator verify); the image exemptions are exact repositories, the same in every policy,
 *   and a look-alike proxyv2 from another registry is denied.
 * - ResourceQuota: the quota covers every pod at its peak (HPA maxReplicas or replicas, rollout
 *   surge and canaries), each with its effective requests and limits (init containers, the Istio
 *   sidecar as its annotations size it), plus every Job and CronJob pod the chart renders.
 * - TLS: every TLS Secret read (Gateway credentialName, Emissary Host tlsSecret) is written by a
 *   Certificate in the namespace that reads it; every issuerRef names an issuer the chart renders
 *   or docs/deploy-eks.md creates; no HTTP-01 challenge is sent through a port-80 redirect.
 */

const read = (file: string) => readFileSync(path.join(WORKSPACE_ROOT, file), 'utf8');
const readAll = (text: string) =>
  parseAllDocuments(text)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null && typeof o === 'object');
const groupOf = (o: { apiVersion: string }) => (o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '');
const glob = (pattern: string) => new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);

// ---------------------------------------------------------------------------------------------
// Argo CD
// ---------------------------------------------------------------------------------------------
const SHARED = path.resolve(WORKSPACE_ROOT, '..', 'shared');
/** Scope of every custom kind, from the CRDs the cluster installs (../shared/crds). */
function crdScopes(): Map<string, 'Namespaced' | 'Cluster'> {
  const dir = process.env.ECOTRACK_CRDS ?? path.join(SHARED, 'crds');
  const scopes = new Map<string, 'Namespaced' | 'Cluster'>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    for (const crd of readAll(readFileSync(path.join(dir, file), 'utf8'))) {
      if (crd.kind !== 'CustomResourceDefinition') continue;
      const spec = crd.spec as { group: string; names: { kind: string }; scope: 'Namespaced' | 'Cluster' };
      scopes.set(`${spec.group}/${spec.names.kind}`, spec.scope);
    }
  }
  return scopes;
}
/** Built-in kinds (Kubernetes 1.32): the cluster-scoped ones; the others listed here are namespaced. */
const BUILTIN_CLUSTER = new Set(['/Namespace', '/Node', '/PersistentVolume', 'rbac.authorization.k8s.io/ClusterRole', 'rbac.authorization.k8s.io/ClusterRoleBinding', 'storage.k8s.io/StorageClass', 'scheduling.k8s.io/PriorityClass', 'admissionregistration.k8s.io/ValidatingWebhookConfiguration', 'admissionregistration.k8s.io/MutatingWebhookConfiguration', 'apiextensions.k8s.io/CustomResourceDefinition', 'networking.k8s.io/IngressClass', 'node.k8s.io/RuntimeClass']);
const BUILTIN_NAMESPACED = new Set(['/ConfigMap', '/Secret', '/Service', '/ServiceAccount', '/ResourceQuota', '/LimitRange', '/Pod', '/PersistentVolumeClaim', 'apps/Deployment', 'apps/StatefulSet', 'apps/DaemonSet', 'apps/ReplicaSet', 'batch/Job', 'batch/CronJob', 'autoscaling/HorizontalPodAutoscaler', 'policy/PodDisruptionBudget', 'networking.k8s.io/NetworkPolicy', 'networking.k8s.io/Ingress', 'rbac.authorization.k8s.io/Role', 'rbac.authorization.k8s.io/RoleBinding']);

interface GroupKind { group: string; kind: string }
interface AppProject {
  spec: { destinations: Array<{ name?: string; server?: string; namespace: string }>; clusterResourceWhitelist?: GroupKind[]; namespaceResourceWhitelist?: GroupKind[]; namespaceResourceBlacklist?: GroupKind[] };
}
const listed = (list: GroupKind[] | undefined, group: string, kind: string) => (list ?? []).some((e) => glob(e.group).test(group) && glob(e.kind).test(kind));

/** The cluster and namespace of an environment's Application (the ApplicationSet's list generator and template). */
function applicationOf(environment: Environment): { cluster: string; namespace: string } {
  const set = parse(read('deploy/argocd/applicationset.yaml')) as {
    spec: { generators: Array<{ list?: { elements: Array<Record<string, string>> } }>; template: { spec: { destination: { name: string; namespace: string } } } };
  };
  const element = set.spec.generators.flatMap((g) => g.list?.elements ?? []).find((e) => e.env === environment);
  if (!element) throw new Error(`the ApplicationSet has no element for ${environment}`);
  const fill = (s: string) => s.replace(/\{\{\s*\.(\w+)\s*\}\}/g, (_, key: string) => element[key]);
  const { destination } = set.spec.template.spec;
  return { cluster: fill(destination.name), namespace: fill(destination.namespace) };
}

/** What Argo CD would refuse of a rendering: kinds not whitelisted for their scope, namespaces not a destination. */
function refusedByAppProject(objects: K8sObject[], environment: Environment): string[] {
  const project = parse(read('deploy/argocd/appproject.yaml')) as AppProject;
  const scopes = crdScopes();
  const app = applicationOf(environment);
  const refused: string[] = [];
  for (const o of objects) {
    const group = groupOf(o);
    const key = `${group}/${o.kind}`;
    const scope = BUILTIN_CLUSTER.has(key) ? 'Cluster' : BUILTIN_NAMESPACED.has(key) ? 'Namespaced' : scopes.get(key);
    const name = `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name} (group "${group}")`;
    if (!scope) {
      refused.push(`${name}: no CRD in ../shared/crds and not a known built-in kind`);
    } else if (scope === 'Cluster') {
      if (!listed(project.spec.clusterResourceWhitelist, group, o.kind)) refused.push(`${name}: cluster-scoped kind not in clusterResourceWhitelist`);
    } else {
      if (!listed(project.spec.namespaceResourceWhitelist, group, o.kind) || listed(project.spec.namespaceResourceBlacklist, group, o.kind)) {
        refused.push(`${name}: namespaced kind not in namespaceResourceWhitelist`);
      }
      const namespace = o.metadata.namespace ?? app.namespace;
      if (!project.spec.destinations.some((d) => d.name !== undefined && glob(d.name).test(app.cluster) && glob(d.namespace).test(namespace))) {
        refused.push(`${name}: namespace ${namespace} on cluster ${app.cluster} is not a destination`);
      }
    }
  }
  return [...new Set(refused)];
}

describe.each(RENDERINGS)('Argo CD AppProject (%s)', (_label, environment, args) => {
  it('permits every kind the chart renders, with its scope, in a destination namespace', () => {
    expect(refusedByAppProject(render(environment, args), environment)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Gatekeeper
// ---------------------------------------------------------------------------------------------
const GATEKEEPER = path.join(WORKSPACE_ROOT, 'deploy/gatekeeper');
function gatorBinary(): string {
  const goMod = read('tools/k8s/go/gator/go.mod');
  const version = /^\s*github\.com\/open-policy-agent\/gatekeeper\/v3\s+(v\S+)/m.exec(goMod)?.[1];
  const binary = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'ecotrack/bin', `gator-${version}`);
  if (!existsSync(binary)) throw new Error(`no gator at ${binary}: tools/k8s/validate.sh builds it (it runs before this layer in ./ecotrack test)`);
  return binary;
}
const policies = () => readdirSync(GATEKEEPER).filter((d) => existsSync(path.join(GATEKEEPER, d, 'constraint.yaml')));
interface Constraint {
  kind: string;
  metadata: { name: string };
  spec: { enforcementAction?: string; match: { kinds?: Array<{ apiGroups: string[]; kinds: string[] }> }; parameters?: Record<string, unknown> };
}
const constraintOf = (policy: string) => parse(readFileSync(path.join(GATEKEEPER, policy, 'constraint.yaml'), 'utf8')) as Constraint;

/** gator test of objects against every template and constraint: one line per violation. */
function gatorViolations(objects: object[]): string[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gator-'));
  try {
    const file = path.join(dir, 'objects.yaml');
    writeFileSync(file, objects.map((o) => JSON.stringify(o)).join('\n---\n'));
    const args = policies().flatMap((p) => ['-f', path.join(GATEKEEPER, p, 'template.yaml'), '-f', path.join(GATEKEEPER, p, 'constraint.yaml')]);
    const run = spawnSync(gatorBinary(), ['test', ...args, '-f', file], { encoding: 'utf8' });
    const lines = `${run.stdout}${run.stderr}`.split('\n').filter((l) => l.trim() !== '');
    if (run.status !== 0 && lines.length === 0) throw new Error(`gator test failed without output (exit ${run.status})`);
    return lines;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What the cluster itself makes in the release namespace (no chart, no labels of ours):
 * kube-controller-manager's CA bundle ConfigMap and the `default` ServiceAccount in every
 * namespace, istiod's root certificate ConfigMap in every injected namespace.
 */
const CLUSTER_MADE: object[] = [
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: NAMESPACE, annotations: { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver' } }, data: { 'ca.crt': 'x' } },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'istio-ca-root-cert', namespace: NAMESPACE, labels: { 'istio.io/config': 'true' } }, data: { 'root-cert.pem': 'x' } },
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: NAMESPACE } },
];
/** The sidecar istiod injects (its global.hub as docs/deploy-eks.md installs it: Istio's default), with Istio's own securityContext. */
const ISTIO_PROXY = { name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.27.0', securityContext: { runAsUser: 1337, runAsGroup: 1337, runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] } } };

interface PodSpec {
  containers: Array<{ name: string; image: string; resources?: Resources }>;
  initContainers?: Array<{ name: string; image: string; resources?: Resources; restartPolicy?: string }>;
  [key: string]: unknown;
}
interface PodTemplate { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec }
function podTemplateOf(o: K8sObject): PodTemplate | undefined {
  if (o.kind === 'CronJob') return (o.spec as { jobTemplate: { spec: { template: PodTemplate } } }).jobTemplate.spec.template;
  if (['Deployment', 'Rollout', 'Job', 'StatefulSet', 'DaemonSet'].includes(o.kind)) return (o.spec as { template: PodTemplate }).template;
  return undefined;
}

/** The Pods the cluster makes from a rendered workload: its template, with Istio's sidecar sized by the annotations. */
function podsOf(objects: K8sObject[]): object[] {
  return objects.flatMap((o) => {
    const template = podTemplateOf(o);
    if (!template) return [];
    const a = template.metadata?.annotations ?? {};
    const proxy = { ...ISTIO_PROXY, resources: { requests: { cpu: a['sidecar.istio.io/proxyCPU'], memory: a['sidecar.istio.io/proxyMemory'] }, limits: { cpu: a['sidecar.istio.io/proxyCPULimit'], memory: a['sidecar.istio.io/proxyMemoryLimit'] } } };
    const native = a['sidecar.istio.io/nativeSidecar'] === 'true';
    const spec = native
      ? { ...template.spec, initContainers: [{ ...proxy, restartPolicy: 'Always' }, ...(template.spec.initContainers ?? [])] }
      : { ...template.spec, containers: [...template.spec.containers, proxy] };
    return [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: `${o.metadata.name}-0`, namespace: o.metadata.namespace ?? NAMESPACE, labels: template.metadata?.labels }, spec }];
  });
}

describe('Gatekeeper policies', () => {
  it('their suites pass (gator verify deploy/gatekeeper/...)', () => {
    const run = spawnSync(gatorBinary(), ['verify', `${GATEKEEPER}/...`], { encoding: 'utf8' });
    expect({ status: run.status, failures: `${run.stdout}${run.stderr}`.split('\n').filter((l) => /FAIL|error/i.test(l)) }).toEqual({ status: 0, failures: [] });
  });

  it('admit the objects the cluster makes itself in the namespace', () => {
    expect(gatorViolations(CLUSTER_MADE)).toEqual([]);
  });

  it('every object the cluster makes of a matched kind has an admitted fixture in that policy suite', () => {
    const missing: string[] = [];
    for (const policy of policies()) {
      const constraint = constraintOf(policy);
      if ((constraint.spec.enforcementAction ?? 'deny') !== 'deny') continue;
      const suite = parse(readFileSync(path.join(GATEKEEPER, policy, 'suite.yaml'), 'utf8')) as { tests: Array<{ cases: Array<{ object: string; assertions: Array<{ violations: string | number | boolean }> }> }> };
      const admitted = suite.tests.flatMap((t) => t.cases).filter((c) => c.assertions.every((a) => a.violations === 'no' || a.violations === 0 || a.violations === false));
      const fixtures = admitted.map((c) => parse(readFileSync(path.join(GATEKEEPER, policy, c.object), 'utf8')) as K8sObject);
      for (const made of CLUSTER_MADE as K8sObject[]) {
        const matched = (constraint.spec.match.kinds ?? []).some((k) => k.apiGroups.includes(groupOf(made)) && k.kinds.includes(made.kind));
        if (matched && !fixtures.some((f) => f.kind === made.kind && f.metadata.name === made.metadata.name)) {
          missing.push(`${policy}: no admitted fixture for ${made.kind} ${made.metadata.name} (its constraint matches ${made.kind})`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it.each(RENDERINGS)('admit the pods the cluster makes from the workloads, Istio sidecar included (%s)', (_label, environment, args) => {
    expect(gatorViolations(podsOf(render(environment, args)))).toEqual([]);
  });

  it('exempt exactly the Istio proxy repositories, the same in every image policy, anchored', () => {
    const lists = policies()
      .map((p) => ({ policy: p, parameters: constraintOf(p).spec.parameters ?? {} }))
      .filter(({ parameters }) => 'exemptImages' in parameters || 'exemptImageRepositories' in parameters);
    const problems: string[] = [];
    if (lists.length === 0) problems.push('no image policy has an exemption list');
    for (const { policy, parameters } of lists) {
      if ('exemptImages' in parameters) problems.push(`${policy}: exemptImages ${JSON.stringify(parameters.exemptImages)} are patterns; exempt exact repositories (exemptImageRepositories)`);
      for (const repository of (parameters.exemptImageRepositories as string[] | undefined) ?? []) {
        // registry host (with a dot or a port) / path: no wildcard, no tag, no digest
        if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?(\/[a-z0-9._-]+)+$/.test(repository)) problems.push(`${policy}: exempt repository ${repository} is not an exact <registry>/<path>`);
      }
      if (JSON.stringify(parameters.exemptImageRepositories) !== JSON.stringify(lists[0].parameters.exemptImageRepositories)) {
        problems.push(`${policy}: exemptImageRepositories differ from ${lists[0].policy}'s`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('deny a proxyv2 image from another registry in every image policy', () => {
    const evil = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'look-alike', namespace: NAMESPACE, labels: { 'app.kubernetes.io/name': 'x', 'app.kubernetes.io/part-of': 'ecotrack', 'ecotrack.io/environment': 'prod' } }, spec: { containers: [{ name: 'istio-proxy', image: 'evil.example.com/istio/proxyv2:1.0' }] } };
    const imagePolicies = policies().filter((p) => (constraintOf(p).spec.match.kinds ?? []).some((k) => k.kinds.includes('Pod')));
    const violations = gatorViolations([evil]).join('\n');
    const silent = imagePolicies.filter((p) => !violations.includes(constraintOf(p).metadata.name));
    // no-latest-tag has nothing to say about tag 1.0: every other image policy must deny it.
    expect(silent.filter((p) => p !== 'no-latest-tag')).toEqual([]);
    expect(violations).toContain('evil.example.com/istio/proxyv2:1.0');
  });
});

// ---------------------------------------------------------------------------------------------
// ResourceQuota
// ---------------------------------------------------------------------------------------------
interface Resources { requests?: Record<string, string | number>; limits?: Record<string, string | number> }
const QUOTA_KEYS = ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'] as const;
type Need = Record<(typeof QUOTA_KEYS)[number] | 'pods', number>;

/**
 * Effective requests and limits of a pod (Kubernetes' rule, what a ResourceQuota counts):
 * max(the regular containers + every sidecar, each init container + the sidecars started before it).
 */
/** istiod's global.proxy.resources (Istio's chart defaults): what a sidecar gets when its pod does not size it. */
const ISTIOD_DEFAULT_PROXY: Required<Resources> = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2000m', memory: '1024Mi' } };

function podNeed(template: PodTemplate, injected: boolean, what: string, problems: string[]): Omit<Need, 'pods'> {
  const a = template.metadata?.annotations ?? {};
  type C = { name: string; resources?: Resources; restartPolicy?: string };
  let init: C[] = template.spec.initContainers ?? [];
  let regular: C[] = template.spec.containers;
  if (injected && a['sidecar.istio.io/inject'] !== 'false') {
    const keys = ['proxyCPU', 'proxyCPULimit', 'proxyMemory', 'proxyMemoryLimit'].map((k) => `sidecar.istio.io/${k}`);
    const unset = keys.filter((k) => a[k] === undefined);
    if (unset.length) problems.push(`${what}: Istio injects a sidecar but the pod template does not size it (${unset.join(', ')}): istiod's global default (counted below) decides what the quota must hold`);
    const d = ISTIOD_DEFAULT_PROXY;
    const proxy: C = { name: 'istio-proxy', resources: { requests: { cpu: a[keys[0]] ?? d.requests.cpu, memory: a[keys[2]] ?? d.requests.memory }, limits: { cpu: a[keys[1]] ?? d.limits.cpu, memory: a[keys[3]] ?? d.limits.memory } } };
    if (a['sidecar.istio.io/nativeSidecar'] === 'true') init = [{ ...proxy, restartPolicy: 'Always' }, ...init];
    else regular = [...regular, proxy];
  }
  const out = {} as Omit<Need, 'pods'>;
  for (const key of QUOTA_KEYS) {
    const [kind, resource] = key.split('.') as ['requests' | 'limits', string];
    const of = (c: C) => {
      const value = c.resources?.[kind]?.[resource];
      if (value === undefined) throw new Error(`${what}: container ${c.name} has no ${key} (the quota then refuses the pod)`);
      return quantity(value, `${what} ${c.name} ${key}`);
    };
    let sidecars = 0;
    let initPeak = 0;
    for (const c of init) {
      if (c.restartPolicy === 'Always') sidecars += of(c);
      else initPeak = Math.max(initPeak, sidecars + of(c));
    }
    out[key] = Math.max(initPeak, regular.reduce((sum, c) => sum + of(c), 0) + sidecars);
  }
  return out;
}

/** Pods of an object at its peak: HPA maximum or replicas, with the rollout's surge; a Job's parallelism. */
function peakPods(o: K8sObject, objects: K8sObject[]): number {
  const hpa = objects.find((h) => h.kind === 'HorizontalPodAutoscaler' && (h.spec.scaleTargetRef as { kind: string; name: string }).kind === o.kind && (h.spec.scaleTargetRef as { name: string }).name === o.metadata.name);
  const replicas = hpa ? Number(hpa.spec.maxReplicas) : Number(o.spec.replicas ?? 1);
  switch (o.kind) {
    case 'Rollout':
      // A canary grows to the stable's size at 100 % before the stable scales down.
      return replicas * 2;
    case 'Deployment': {
      const strategy = o.spec.strategy as { type?: string; rollingUpdate?: { maxSurge?: string | number } } | undefined;
      if (strategy?.type === 'Recreate') return replicas;
      const surge = strategy?.rollingUpdate?.maxSurge ?? '25%';
      return replicas + (typeof surge === 'string' && surge.endsWith('%') ? Math.ceil((replicas * Number(surge.slice(0, -1))) / 100) : Number(surge));
    }
    case 'Job':
      return Number(o.spec.parallelism ?? 1);
    case 'CronJob': {
      const spec = o.spec as { concurrencyPolicy?: string; jobTemplate: { spec: { parallelism?: number } } };
      if ((spec.concurrencyPolicy ?? 'Allow') === 'Allow') throw new Error(`CronJob ${o.metadata.name}: concurrencyPolicy Allow has no bound on its pods`);
      return Number(spec.jobTemplate.spec.parallelism ?? 1);
    }
    default:
      return replicas;
  }
}

function quotaShortfall(objects: K8sObject[]): string[] {
  const quotas = objects.filter((o) => o.kind === 'ResourceQuota');
  if (quotas.length === 0) return [];
  const namespace = objects.find((o) => o.kind === 'Namespace');
  const injected = namespace?.metadata.labels?.['istio-injection'] === 'enabled';
  const need: Need = { pods: 0, 'requests.cpu': 0, 'requests.memory': 0, 'limits.cpu': 0, 'limits.memory': 0 };
  const parts: string[] = [];
  const short: string[] = [];
  for (const o of objects) {
    const template = podTemplateOf(o);
    if (!template) continue;
    const what = `${o.kind} ${o.metadata.name}`;
    const pods = peakPods(o, objects);
    const pod = podNeed(template, injected, what, short);
    need.pods += pods;
    for (const key of QUOTA_KEYS) need[key] += pods * pod[key];
    parts.push(`${what}: ${pods} x (${pod['limits.cpu']} CPU, ${pod['limits.memory'] / 1024 ** 2} MiB)`);
  }
  for (const quota of quotas) {
    const hard = (quota.spec.hard ?? {}) as Record<string, string>;
    for (const key of [...QUOTA_KEYS, 'pods'] as const) {
      if (hard[key] === undefined) continue;
      const have = quantity(hard[key], `ResourceQuota ${quota.metadata.name} ${key}`);
      if (have + 1e-9 < need[key]) {
        const shown = key.endsWith('memory') ? `${Math.ceil(need[key] / 1024 ** 2)}Mi` : String(Math.round(need[key] * 1000) / 1000);
        short.push(`ResourceQuota ${quota.metadata.name} ${key} ${hard[key]} < ${shown} at the peak`);
      }
    }
  }
  return short.length ? [...short, `(limits per pod at the peak: ${parts.join('; ')})`] : [];
}

describe.each(RENDERINGS)('ResourceQuota (%s)', (_label, environment, args) => {
  it('covers every pod at its peak: HPA maxima, rollout surge and canaries, sidecars, init containers, Jobs and CronJobs', () => {
    expect(quotaShortfall(render(environment, args))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// TLS
// ---------------------------------------------------------------------------------------------
/** The cert-manager issuers docs/deploy-eks.md creates (YAML in its code blocks and heredocs). */
function documentedIssuers(): K8sObject[] {
  const docs = read('docs/deploy-eks.md');
  const blocks = [...docs.matchAll(/```(?:ya?ml|sh|bash)?\n([\s\S]*?)```/g)].map((m) => m[1]);
  const yamlTexts = blocks.flatMap((b) => [...b.matchAll(/<<-?'?EOF'?\n([\s\S]*?)\nEOF/g)].map((m) => m[1]).concat(/^apiVersion:/m.test(b) && !/<<-?'?EOF/.test(b) ? [b] : []));
  return yamlTexts.flatMap((t) => {
    try {
      return readAll(t);
    } catch {
      return [];
    }
  }).filter((o) => groupOf(o) === 'cert-manager.io' && (o.kind === 'ClusterIssuer' || o.kind === 'Issuer'));
}

interface Certificate { metadata: { name: string; namespace?: string }; spec: { secretName: string; dnsNames?: string[]; issuerRef: { name: string; kind?: string; group?: string } } }
interface Solver { selector?: { dnsZones?: string[]; dnsNames?: string[] }; http01?: unknown; dns01?: unknown }

function tlsProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  const ns = (o: { metadata: { namespace?: string } }) => o.metadata.namespace ?? NAMESPACE;
  const certificates = objects.filter((o) => o.kind === 'Certificate' && groupOf(o) === 'cert-manager.io') as unknown as Certificate[];
  const producedIn = (secret: string, namespace: string) => certificates.some((c) => c.spec.secretName === secret && ns(c) === namespace);

  // Every TLS Secret read is written by a Certificate in the reader's namespace.
  for (const o of objects) {
    if (o.kind === 'Gateway' && groupOf(o) === 'networking.istio.io') {
      for (const server of (o.spec.servers as Array<{ port: { number: number }; tls?: { credentialName?: string } }>) ?? []) {
        const secret = server.tls?.credentialName;
        if (secret && !producedIn(secret, ns(o))) problems.push(`Gateway ${ns(o)}/${o.metadata.name} port ${server.port.number}: credentialName ${secret} is written by no Certificate in ${ns(o)}`);
      }
    }
    if (o.kind === 'Host' && groupOf(o) === 'getambassador.io') {
      const ref = o.spec.tlsSecret as { name?: string; namespace?: string } | undefined;
      if (ref?.name && !producedIn(ref.name, ref.namespace ?? ns(o))) problems.push(`Emissary Host ${ns(o)}/${o.metadata.name}: tlsSecret ${ref.name} is written by no Certificate in ${ref.namespace ?? ns(o)}`);
    }
  }

  // Every issuerRef names an issuer that exists; no HTTP-01 challenge behind a port-80 redirect.
  const issuers = [...objects.filter((o) => groupOf(o) === 'cert-manager.io' && (o.kind === 'ClusterIssuer' || o.kind === 'Issuer')), ...documentedIssuers()];
  for (const certificate of certificates) {
    const ref = certificate.spec.issuerRef;
    const kind = ref.kind ?? 'Issuer';
    const name = `Certificate ${ns(certificate)}/${certificate.metadata.name}`;
    const issuer = issuers.find((i) => i.kind === kind && i.metadata.name === ref.name && (kind === 'ClusterIssuer' || ns(i) === ns(certificate)));
    if (!issuer) {
      problems.push(`${name}: issuerRef ${kind} ${ref.name} is neither rendered by the chart nor created in docs/deploy-eks.md`);
      continue;
    }
    const solvers = ((issuer.spec.acme as { solvers?: Solver[] } | undefined)?.solvers ?? []);
    for (const host of certificate.spec.dnsNames ?? []) {
      const applies = solvers.filter((s) => !s.selector || (s.selector.dnsNames ?? []).includes(host) || (s.selector.dnsZones ?? []).some((z) => host === z || host.endsWith(`.${z}`)) || (!s.selector.dnsNames && !s.selector.dnsZones));
      if (!applies.some((s) => s.http01)) continue;
      for (const o of objects) {
        const redirecting =
          (o.kind === 'Gateway' && (o.spec.servers as Array<{ port: { number: number }; hosts: string[]; tls?: { httpsRedirect?: boolean } }>).some((s) => s.port.number === 80 && s.tls?.httpsRedirect && s.hosts.some((h) => glob(h.replace(/^.*\//, '')).test(host)))) ||
          (o.kind === 'Host' && o.spec.hostname === host && (o.spec.requestPolicy as { insecure?: { action?: string } } | undefined)?.insecure?.action === 'Redirect');
        if (redirecting) problems.push(`${name}: ${host} is validated by HTTP-01 (${kind} ${ref.name}) but ${o.kind} ${ns(o)}/${o.metadata.name} redirects its port 80 to HTTPS`);
      }
    }
  }
  return problems;
}

describe.each(RENDERINGS)('TLS (%s)', (_label, environment, args) => {
  it('every TLS Secret is issued in the namespace that reads it, by an issuer that exists and can validate the host', () => {
    expect(tlsProblems(render(environment, args))).toEqual([]);
  });
});

// The chart's own check: a quota entry set by hand below the peak fails the render.
describe('ResourceQuota overrides', () => {
  it('a hand-set quota below the peak fails the render, naming the entry', () => {
    const result = spawnSync(
      helmBinary(),
      ['template', 'ecotrack', CHART, '--namespace', NAMESPACE, '-f', path.join(CHART, 'values-prod.yaml'), '--set', 'namespace.resourceQuota.hard.limits\\.cpu=160'],
      { encoding: 'utf8' },
    );
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('namespace.resourceQuota.hard.limits.cpu 160 is below');
  });
});
