import { WORKSPACE_ROOT } from '@ecotrack/testing';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { ENVIRONMENTS, NAMESPACE, readValues, render, RENDERINGS, type K8sObject } from './support/chart';

/**
 * docs/deploy-eks.md's own commands against the chart: its ```sh blocks are read as a shell
 * would (continuations, heredocs, quotes, ;/&&/| separators), replayed in order over a model
 * of the cluster's namespaces, and each helm or kubectl command that touches the chart is
 * checked against what the chart renders:
 * - `helm upgrade --install` of helm/ecotrack: the release and namespace are the ones the
 *   ApplicationSet uses; the namespace exists before Helm runs (its release record and the
 *   pre-install hooks need it); it carries the labels the chart's own Namespace would (Istio
 *   injection, Pod Security, Gatekeeper's selectors); and a Namespace the chart renders is not
 *   one that exists without Helm's ownership ("exists and cannot be imported").
 * - `kubectl logs <kind>/<name> [-c container]`: that object and container exist in every
 *   environment and switch variant (a Deployment is not there where Rollouts run).
 * - Argo CD: a namespace the chart does not render is created by Argo CD (CreateNamespace) with
 *   the same labels; one it renders must not be needed by PreSync hooks (argo-cd#3762).
 */
const DOC = 'docs/deploy-eks.md';
const CHART_PATH = 'helm/ecotrack';
const read = (file: string) => readFileSync(path.join(WORKSPACE_ROOT, file), 'utf8');

interface Command {
  argv: string[];
  heredoc?: string;
  text: string;
}

/** Splits one logical shell line into commands (argv), honouring quotes; stops at an unquoted #. */
function splitCommands(line: string): string[][] {
  const commands: string[][] = [[]];
  let token: string | undefined;
  let quote: string | undefined;
  const end = () => {
    if (token !== undefined) commands[commands.length - 1].push(token);
    token = undefined;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) token += line[++i];
      else token += c;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      token ??= '';
    } else if (c === '\\' && i + 1 < line.length) {
      token = (token ?? '') + line[++i];
    } else if (/\s/.test(c)) {
      end();
    } else if (c === '#' && token === undefined) {
      break;
    } else if (c === ';' || c === '|' || (c === '&' && line[i + 1] === '&')) {
      end();
      if (line[i + 1] === c) i++;
      commands.push([]);
    } else {
      token = (token ?? '') + c;
    }
  }
  end();
  return commands.filter((argv) => argv.length > 0);
}

/** Every command of the page's ```sh blocks, in order, with the body of a heredoc it reads. */
function docCommands(markdown: string): Command[] {
  const commands: Command[] = [];
  for (const [, block] of markdown.matchAll(/^```sh\n([\s\S]*?)^```/gm)) {
    const lines = block.split('\n');
    for (let i = 0; i < lines.length; i++) {
      let text = lines[i];
      while (text.endsWith('\\') && i + 1 < lines.length) text = `${text.slice(0, -1)} ${lines[++i]}`;
      if (/^\s*#/.test(text)) continue;
      const marker = /(?<!<)<<-?\s*'?(\w+)'?/.exec(text)?.[1];
      let heredoc: string | undefined;
      if (marker) {
        const body: string[] = [];
        while (i + 1 < lines.length && lines[i + 1] !== marker) body.push(lines[++i]);
        i++;
        heredoc = body.join('\n');
        text = text.replace(/(?<!<)<<-?\s*'?\w+'?/, '');
      }
      for (const argv of splitCommands(text)) commands.push({ argv, heredoc, text: argv.join(' ') });
    }
  }
  return commands;
}

/** The value of a flag (-n x, --namespace x, --namespace=x); all of them with `all`. */
function flagValues(argv: string[], ...names: string[]): string[] {
  const values: string[] = [];
  argv.forEach((arg, i) => {
    for (const name of names) {
      if (arg === name && i + 1 < argv.length) values.push(argv[i + 1]);
      else if (arg.startsWith(`${name}=`)) values.push(arg.slice(name.length + 1));
    }
  });
  return values;
}
const FLAGS_WITH_VALUE = new Set(['-n', '--namespace', '-f', '--values', '--set', '--set-string', '--version', '--timeout', '-c', '--container', '-o', '-l', '--kube-context', '--context']);
const positionals = (argv: string[]) => argv.filter((arg, i) => !arg.startsWith('-') && !FLAGS_WITH_VALUE.has(argv[i - 1] ?? ''));

interface NamespaceState {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

const appSet = parse(read('deploy/argocd/applicationset.yaml')) as {
  spec: {
    template: {
      spec: {
        source: { helm: { releaseName: string } };
        destination: { namespace: string };
        syncPolicy: { syncOptions?: string[]; managedNamespaceMetadata?: { labels?: Record<string, string> } };
      };
    };
  };
};

/** Label keys Gatekeeper's Namespace constraints select on (deploy/gatekeeper/<policy>/constraint.yaml). */
function gatekeeperNamespaceLabels(): string[] {
  const dir = path.join(WORKSPACE_ROOT, 'deploy/gatekeeper');
  return readdirSync(dir)
    .map((policy) => path.join(dir, policy, 'constraint.yaml'))
    .filter(existsSync)
    .flatMap((file) => parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS()))
    .filter((c) => (c?.spec?.match?.kinds ?? []).some((k: { kinds: string[] }) => k.kinds.includes('Namespace')))
    .flatMap((c) => Object.keys(c.spec.match.labelSelector?.matchLabels ?? {}));
}

/**
 * The labels of the chart's own Namespace (rendered with namespace.create) that something in the
 * cluster acts on: Istio's injection, Pod Security admission, Gatekeeper's selectors, and the
 * values' namespace.labels. Release bookkeeping (helm.sh/chart, instance, managed-by) is not.
 */
function namespaceLabels(environment: string, extraArgs: string[] = []): Record<string, string> {
  const ns = render(environment, [...extraArgs, '--set', 'namespace.create=true']).find((o) => o.kind === 'Namespace' && o.metadata.name === NAMESPACE);
  if (!ns) throw new Error(`the chart renders no Namespace ${NAMESPACE} with namespace.create=true (${environment})`);
  const fromValues = {
    ...readValues<{ namespace?: { labels?: Record<string, string> } }>('values.yaml').namespace?.labels,
    ...readValues<{ namespace?: { labels?: Record<string, string> } }>(`values-${environment}.yaml`).namespace?.labels,
  };
  const actedOn = new Set([...gatekeeperNamespaceLabels(), ...Object.keys(fromValues)]);
  return Object.fromEntries(
    Object.entries(ns.metadata.labels ?? {}).filter(([key]) => key === 'istio-injection' || key.startsWith('pod-security.kubernetes.io/') || actedOn.has(key)),
  );
}

const missingLabels = (want: Record<string, string>, have: Record<string, string>) =>
  Object.entries(want)
    .filter(([key, value]) => have[key] !== value)
    .map(([key, value]) => `${key}=${value}${key in have ? ` (has ${have[key]})` : ''}`);

const isHook = (o: K8sObject) => Boolean(o.metadata.annotations?.['helm.sh/hook']?.includes('pre-install') || o.metadata.annotations?.['argocd.argoproj.io/hook'] === 'PreSync');

/** Replays the page's commands over a model of the namespaces; returns the helm installs of the chart and what disagrees. */
function replay() {
  const namespaces = new Map<string, NamespaceState>();
  const problems: string[] = [];
  const installs: string[] = [];
  const logs: Array<{ target: string; container?: string; namespace?: string; text: string }> = [];
  for (const { argv, heredoc, text } of docCommands(read(DOC))) {
    const [tool, verb, ...rest] = argv;
    if (tool === 'kubectl' && verb === 'apply' && flagValues(argv, '-f', '--filename').includes('-') && heredoc) {
      for (const o of parseAllDocuments(heredoc).map((d) => d.toJS() as K8sObject | null)) {
        if (o?.kind === 'Namespace') namespaces.set(o.metadata.name, { labels: { ...o.metadata.labels }, annotations: { ...o.metadata.annotations } });
      }
    } else if (tool === 'kubectl' && verb === 'create' && (rest[0] === 'namespace' || rest[0] === 'ns')) {
      namespaces.set(rest[1], { labels: {}, annotations: {} });
    } else if (tool === 'kubectl' && verb === 'label' && (rest[0] === 'namespace' || rest[0] === 'ns')) {
      const state = namespaces.get(rest[1]);
      if (!state) {
        problems.push(`\`${text}\`: namespace ${rest[1]} does not exist yet`);
        continue;
      }
      for (const pair of rest.slice(2).filter((a) => a.includes('='))) state.labels[pair.split('=')[0]] = pair.split('=').slice(1).join('=');
    } else if (tool === 'kubectl' && argv.includes('logs')) {
      const args = positionals(argv.slice(argv.indexOf('logs') + 1));
      logs.push({ target: args[0], container: flagValues(argv, '-c', '--container')[0], namespace: flagValues(argv, '-n', '--namespace')[0], text });
    } else if (tool === 'helm' && (verb === 'install' || (verb === 'upgrade' && argv.includes('--install')))) {
      const [release, chart] = positionals(argv.slice(2));
      const namespace = flagValues(argv, '-n', '--namespace')[0];
      if (chart !== CHART_PATH) {
        if (argv.includes('--create-namespace') && namespace) namespaces.set(namespace, { labels: {}, annotations: {} });
        continue;
      }
      installs.push(text);
      const where = `\`${text}\``;
      const spec = appSet.spec.template.spec;
      if (release !== spec.source.helm.releaseName) problems.push(`${where}: release ${release}, the ApplicationSet's is ${spec.source.helm.releaseName}`);
      if (namespace !== NAMESPACE || namespace !== spec.destination.namespace) problems.push(`${where}: namespace ${namespace}, the chart's is ${NAMESPACE} (ApplicationSet ${spec.destination.namespace})`);
      const files = flagValues(argv, '-f', '--values');
      for (const file of files) if (!existsSync(path.join(WORKSPACE_ROOT, file))) problems.push(`${where}: no values file ${file}`);
      const environment = files.map((f) => /values-(\w+)\.yaml$/.exec(f)?.[1]).find((e) => e && (ENVIRONMENTS as readonly string[]).includes(e));
      if (!environment) {
        problems.push(`${where}: no values-<environment>.yaml`);
        continue;
      }
      const extra = [...files.filter((f) => !f.endsWith(`values-${environment}.yaml`)).flatMap((f) => ['-f', path.join(WORKSPACE_ROOT, f)]), ...flagValues(argv, '--set').flatMap((s) => ['--set', s])];
      const objects = render(environment, extra);
      const rendered = objects.find((o) => o.kind === 'Namespace' && o.metadata.name === namespace);
      const before = namespaces.get(namespace) ?? (argv.includes('--create-namespace') ? { labels: {}, annotations: {} } : undefined);
      if (!before) {
        problems.push(`${where}: namespace ${namespace} does not exist when Helm runs (no earlier command creates it, no --create-namespace): Helm's release record${objects.some(isHook) ? ' and its pre-install hooks' : ''} must go there`);
        continue;
      }
      if (rendered) {
        const owned = before.annotations['meta.helm.sh/release-name'] === release && before.annotations['meta.helm.sh/release-namespace'] === namespace && before.labels['app.kubernetes.io/managed-by'] === 'Helm';
        if (!owned) problems.push(`${where}: the chart renders Namespace ${namespace}, which exists before the release without Helm's ownership: "exists and cannot be imported"`);
      }
      const missing = missingLabels(namespaceLabels(environment, extra), { ...before.labels, ...(rendered ? rendered.metadata.labels : {}) });
      if (missing.length) problems.push(`${where}: namespace ${namespace} lacks the labels of the chart's Namespace before the release: ${missing.join(', ')}`);
      namespaces.set(namespace, before);
    }
  }
  return { problems, installs, logs };
}

const KINDS: Record<string, string> = { deploy: 'Deployment', deployment: 'Deployment', deployments: 'Deployment', job: 'Job', jobs: 'Job', sts: 'StatefulSet', statefulset: 'StatefulSet', ds: 'DaemonSet', daemonset: 'DaemonSet' };

describe(`${DOC}: its install commands against the chart`, () => {
  const { problems, installs, logs } = replay();

  it('installs the chart with helm into the namespace the chart and Argo CD use, created before, with the labels of its Namespace', () => {
    expect(installs.length).toBeGreaterThanOrEqual(1);
    expect(problems).toEqual([]);
  });

  it.each(RENDERINGS)('%s: every `kubectl logs` reads an object and container the chart renders', (_label, environment, args) => {
    expect(logs.length).toBeGreaterThanOrEqual(1);
    const objects = render(environment, args);
    const wrong = logs.flatMap(({ target, container, namespace, text }) => {
      if (namespace !== NAMESPACE) return [`\`${text}\`: namespace ${namespace ?? '(none)'}, the chart's is ${NAMESPACE}`];
      const [kind, name] = target.includes('/') ? target.split('/') : ['pod', target];
      if (kind === 'pod' || kind === 'po') return [];
      const wanted = KINDS[kind.toLowerCase()];
      if (!wanted) return [`\`${text}\`: kubectl logs cannot read a ${kind}`];
      const found = objects.find((o) => o.kind === wanted && o.metadata.name === name);
      if (!found) return [`\`${text}\`: the chart renders no ${wanted} ${name}`];
      const pod = (found.spec as { template: { spec: { containers: Array<{ name: string }>; initContainers?: Array<{ name: string }> } } }).template.spec;
      const names = [...pod.containers, ...(pod.initContainers ?? [])].map((c) => c.name);
      return container && !names.includes(container) ? [`\`${text}\`: ${wanted} ${name} has no container ${container} (${names.join(', ')})`] : [];
    });
    expect(wrong).toEqual([]);
  });

  it.each(ENVIRONMENTS)('%s: Argo CD creates the namespace the chart does not, with the labels of its Namespace, before the PreSync hooks', (environment) => {
    const objects = render(environment);
    const { syncPolicy } = appSet.spec.template.spec;
    const creates = (syncPolicy.syncOptions ?? []).includes('CreateNamespace=true');
    const rendered = objects.some((o) => o.kind === 'Namespace' && o.metadata.name === NAMESPACE);
    if (rendered) {
      // With the Namespace in the manifests Argo CD creates none itself; it is applied in the Sync phase, after PreSync hooks.
      expect(objects.filter(isHook).filter((o) => o.metadata.namespace === NAMESPACE).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
      return;
    }
    expect([`ApplicationSet syncOptions CreateNamespace=true (the chart renders no Namespace ${NAMESPACE})`, creates]).toEqual([
      `ApplicationSet syncOptions CreateNamespace=true (the chart renders no Namespace ${NAMESPACE})`,
      true,
    ]);
    const labels = Object.fromEntries(Object.entries(syncPolicy.managedNamespaceMetadata?.labels ?? {}).map(([k, v]) => [k, v.replace(/\{\{\s*\.env\s*\}\}/g, environment)]));
    expect(missingLabels(namespaceLabels(environment), labels)).toEqual([]);
  });
});
