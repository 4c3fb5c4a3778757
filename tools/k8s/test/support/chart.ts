import { WORKSPACE_ROOT } from '@ecotrack/testing';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

/**
 * The chart as the agreement tests read it: rendered with the same helm and flags as
 * tools/k8s/validate.sh (which builds helm and runs before the integration layer), parsed back
 * into objects. One place for the render, the environments and the switch variants.
 */
export const CHART = process.env.ECOTRACK_CHART_DIR ?? path.join(WORKSPACE_ROOT, 'helm/ecotrack');
export const NAMESPACE = 'ecotrack';
export const KUBE_VERSION = '1.32.2';
export const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];
export const SERVICES = ['user-service', 'product-service', 'order-service', 'payment-service', 'notification-service'] as const;
export type Service = (typeof SERVICES)[number];

/** Switch variants rendered besides each environment's own values (what validate.sh also renders). */
export const VARIANTS: Record<string, string[]> = {
  plain: [],
  'emissary+rollouts': ['--set', 'emissary.enabled=true', '--set', 'rollouts.enabled=true'],
  'deployments+canary': ['--set', 'rollouts.enabled=false', '--set', 'serviceDefaults.canary.enabled=true', '--set', 'serviceDefaults.canary.weight=10', '--set', 'serviceDefaults.canary.tag=0.1.1'],
  // Every backup the chart can run: pgBackRest's Jobs (no sidecar) and OpenBao's snapshot (dev has neither on).
  backups: [
    '--set', 'backup.postgres.provider=pgbackrest', '--set', 'backup.openbao.enabled=true',
    '--set', 'backup.aws.bucket=ecotrack-test-backups', '--set', 'backup.aws.kmsKeyArn=arn:aws:kms:eu-west-1:111122223333:alias/ecotrack-test-backups',
  ],
};

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
  [key: string]: unknown;
}

export function helmBinary(): string {
  const goMod = readFileSync(path.join(WORKSPACE_ROOT, 'tools/k8s/go/helm/go.mod'), 'utf8');
  const version = /^\s*helm\.sh\/helm\/v3\s+(v\S+)/m.exec(goMod)?.[1];
  const binary = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'ecotrack/bin', `helm-${version}`);
  if (!existsSync(binary)) throw new Error(`no helm at ${binary}: tools/k8s/validate.sh builds it (it runs before this layer in ./ecotrack test)`);
  return binary;
}

/** A chart directory (this chart, or a modified copy) rendered for an environment, not cached. */
export function renderChart(chartDir: string, environment: string, extraArgs: string[] = []): K8sObject[] {
  const output = execFileSync(
    helmBinary(),
    ['template', 'ecotrack', chartDir, '--namespace', NAMESPACE, '--kube-version', KUBE_VERSION, '-f', path.join(chartDir, `values-${environment}.yaml`), ...extraArgs],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  return parseAllDocuments(output)
    .map((document) => document.toJS() as K8sObject | null)
    .filter((object): object is K8sObject => object !== null);
}

const renders = new Map<string, K8sObject[]>();
/** The chart rendered for an environment, with extra helm arguments (a variant's --set flags); cached per arguments. */
export function render(environment: string, extraArgs: string[] = []): K8sObject[] {
  const key = [environment, ...extraArgs].join('\0');
  const cached = renders.get(key) ?? renderChart(CHART, environment, extraArgs);
  renders.set(key, cached);
  return cached;
}

/** Every environment crossed with every switch variant: [label, environment, extra args]. */
export const RENDERINGS: Array<[string, Environment, string[]]> = ENVIRONMENTS.flatMap((environment) =>
  Object.entries(VARIANTS).map(([variant, args]): [string, Environment, string[]] => [`${environment} ${variant}`, environment, args]),
);

/** A values file of the chart, parsed (values.yaml or values-<environment>.yaml). */
export function readValues<T = Record<string, unknown>>(file: string): T {
  return parse(readFileSync(path.join(CHART, file), 'utf8')) as T;
}

export const isWorkload = (o: K8sObject) => o.kind === 'Deployment' || o.kind === 'Rollout';

/**
 * The release namespace as it will exist: the chart's Namespace object, rendered with
 * namespace.create=true when the release does not own it (then Argo CD's managedNamespaceMetadata
 * or the docs' `kubectl apply` create it with these labels: deploy-docs.int-spec.ts holds them to it).
 */
export function namespaceOf(environment: string, extraArgs: string[] = []): K8sObject {
  const own = render(environment, extraArgs).find((o) => o.kind === 'Namespace' && o.metadata.name === NAMESPACE);
  const namespace = own ?? render(environment, [...extraArgs, '--set', 'namespace.create=true']).find((o) => o.kind === 'Namespace' && o.metadata.name === NAMESPACE);
  if (!namespace) throw new Error(`the chart renders no Namespace ${NAMESPACE} for ${environment} ${extraArgs.join(' ')}`);
  return namespace;
}

interface EnvContainer {
  name: string;
  env?: Array<{ name: string; value?: string }>;
}
/** The plain environment the chart gives a service's own container in its stable workload (secrets come from OpenBao). */
export function environmentOf(objects: K8sObject[], service: Service): Record<string, string> {
  const workload = objects.find((o) => isWorkload(o) && o.metadata.name === service);
  if (!workload) throw new Error(`no workload for ${service}`);
  const container = (workload.spec as { template: { spec: { containers: EnvContainer[] } } }).template.spec.containers.find((c) => c.name === service);
  if (!container) throw new Error(`${workload.kind} ${service} has no container ${service}`);
  return Object.fromEntries((container.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
}

const QUANTITY_UNITS: Record<string, number> = { '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };
/** A Kubernetes quantity (2, 500m, 512Mi, 1Gi) as cores or bytes; `what` names it in the error. */
export function quantity(value: string | number | undefined, what = 'value'): number {
  const match = /^(\d+(?:\.\d+)?)(m|[kMGT]i?|[KMGT]i)?$/.exec(String(value));
  if (!match) throw new Error(`${what}: not a quantity: ${value}`);
  return Number(match[1]) * QUANTITY_UNITS[match[2] ?? ''];
}
