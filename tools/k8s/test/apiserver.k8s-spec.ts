import { WORKSPACE_ROOT } from '@ecotrack/testing';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RENDERINGS, render, VARIANTS } from './support/chart';

/**
 * The chart on a real Kubernetes API server: `bash tools/k8s/apiserver.sh check` starts etcd and
 * kube-apiserver (built from k8s.io/kubernetes, tools/k8s/go/kube-apiserver), installs the real
 * CRDs of ../shared/crds and server-side applies, dry run first and then for real, every render
 * (each environment with each switch variant of support/chart.ts, handed to the script), the Argo CD objects and the
 * Gatekeeper templates and constraints. Every object must be applied, with no error.
 *
 * Then, on a fresh server, the commands of docs/deploy-eks.md as written (`apiserver.sh docs`): those
 * that act on the cluster with this repo's files; what needs the network, pods or a platform's
 * controllers is listed as not run. The Job controller is stood in for (helm waits for its hook Jobs).
 *
 * Its own layer, `apiserver` (./ecotrack test runs `bash tools/k8s/apiserver.sh build` before it):
 *   npx jest -c jest.config.ts --selectProjects apiserver
 * The binaries take about 35 minutes to build the first time, which this spec does not do: without
 * them it fails and says so.
 */
const CACHE = path.join(process.env.ECOTRACK_BIN_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'ecotrack/bin'));
/** The version the tools module pins (as tools/lib/go-tool.sh reads it): the binaries are cached under it. */
const kubeVersion = /^\s*k8s\.io\/kubernetes\s+(v\S+)/m.exec(readFileSync(path.join(WORKSPACE_ROOT, 'tools/k8s/go/kube-apiserver/go.mod'), 'utf8'))?.[1];

/** Fails with what to do when the binaries were not built. */
function requireBinaries() {
  if (!kubeVersion) throw new Error('no k8s.io/kubernetes version in tools/k8s/go/kube-apiserver/go.mod');
  const missing = ['kube-apiserver', 'kubectl'].map((tool) => path.join(CACHE, `${tool}-${kubeVersion}`)).filter((binary) => !existsSync(binary));
  if (missing.length > 0) {
    throw new Error(`not built: ${missing.join(', ')}. Run \`bash tools/k8s/apiserver.sh build\` first (about 35 minutes cold; cached by version afterwards)`);
  }
}

interface Step {
  name: string;
  objects: number;
  applied: number;
  errors: number;
  warnings: number;
  /** the errors and warnings kubectl printed, one a line */
  messages: string[];
}

/** `[apiserver] NAME: N objects, N applied, N errors, N warnings`, each followed by its messages. */
function steps(output: string): Map<string, Step> {
  const result = new Map<string, Step>();
  let last: Step | undefined;
  for (const line of output.split('\n')) {
    const step = /^\[apiserver\] (.+): (\d+) objects, (\d+) applied, (\d+) errors, (\d+) warnings$/.exec(line);
    if (step) {
      const [, name, objects, applied, errors, warnings] = step;
      last = { name, objects: Number(objects), applied: Number(applied), errors: Number(errors), warnings: Number(warnings), messages: [] };
      result.set(name, last);
    } else if (last && line.startsWith('[apiserver]     ')) {
      last.messages.push(line.slice('[apiserver]     '.length));
    } else {
      last = undefined;
    }
  }
  return result;
}

/** What a step should say when all went well; what it said otherwise (its name, counts and kubectl's own errors). */
const clean = (step: Step | undefined, objects?: number) =>
  step && { name: step.name, objects: objects ?? step.objects, applied: objects ?? step.objects, errors: 0, errorMessages: [] as string[] };
const seen = (step: Step | undefined) =>
  step && { name: step.name, objects: step.objects, applied: step.applied, errors: step.errors, errorMessages: step.messages.filter((m) => !m.startsWith('Warning: ')) };

describe('the chart on a real API server (tools/k8s/apiserver.sh)', () => {
  let output = '';
  let byName = new Map<string, Step>();

  beforeAll(() => {
    requireBinaries();
    const run = spawnSync('bash', [path.join(WORKSPACE_ROOT, 'tools/k8s/apiserver.sh'), 'check'], {
      cwd: WORKSPACE_ROOT,
      encoding: 'utf8',
      timeout: 25 * 60_000,
      maxBuffer: 64 * 1024 * 1024,
      // the variants this spec's renders use: one `LABEL=HELM ARGS` a line
      env: { ...process.env, ECOTRACK_APISERVER_VARIANTS: Object.entries(VARIANTS).map(([label, args]) => `${label}=${args.join(' ')}`).join('\n') },
    });
    output = `${run.stdout}\n${run.stderr}`;
    if (!/^apiserver: \d+ passed, \d+ failed$/m.test(run.stdout)) throw new Error(`apiserver.sh check did not finish (status ${run.status}):\n${output.slice(-4000)}`);
    byName = steps(run.stdout);
  }, 30 * 60_000);

  it('applies every environment and switch variant that the chart tests render, and no other', () => {
    const applied = [...byName.keys()].filter((name) => /^render \S+ \S+$/.test(name)).map((name) => name.replace(/^render /, ''));
    expect(applied.sort()).toEqual(RENDERINGS.map(([label]) => label).sort());
  });

  it.each(RENDERINGS)('%s: every object of the render is accepted, dry run and for real, Namespaces first', (label, environment, args) => {
    const objects = render(environment, args);
    const namespaces = objects.filter((o) => o.kind === 'Namespace').length;
    for (const [name, count] of [[`render ${label}: Namespace`, namespaces], [`render ${label}`, objects.length - namespaces]] as const) {
      if (count === 0) continue;
      for (const step of [byName.get(`${name} (dry run)`), byName.get(name)]) {
        expect(seen(step) ?? `no step "${name}" in the output`).toEqual(clean(step, count) ?? name);
      }
    }
  });

  it('installs the real CRDs and the Gatekeeper constraint CRDs made from the templates', () => {
    for (const name of ['shared CRDs', 'Gatekeeper constraint CRDs (made from the templates as its controller does)']) {
      const step = byName.get(name);
      expect(seen(step) ?? `no step "${name}"`).toEqual(clean(step) ?? name);
      expect(step?.objects).toBeGreaterThan(0);
    }
  });

  it('applies the Argo CD objects and the Gatekeeper templates, Config and constraints', () => {
    const files = ['deploy/argocd/appproject.yaml', 'deploy/argocd/applicationset.yaml', 'deploy/gatekeeper/config/sync.yaml'];
    const policies = readdirSync(path.join(WORKSPACE_ROOT, 'deploy/gatekeeper')).filter((dir) => existsSync(path.join(WORKSPACE_ROOT, 'deploy/gatekeeper', dir, 'template.yaml')));
    expect(policies.length).toBeGreaterThan(0);
    for (const policy of policies) files.push(`deploy/gatekeeper/${policy}/template.yaml`, `deploy/gatekeeper/${policy}/constraint.yaml`);
    for (const file of files) {
      for (const name of [`${file} (dry run)`, file]) {
        const step = byName.get(name);
        expect(seen(step) ?? `no step "${name}"`).toEqual(clean(step) ?? name);
      }
    }
  });

  it('ends with no failed step', () => {
    expect(/^apiserver: \d+ passed, (\d+) failed$/m.exec(output)?.[1]).toBe('0');
  });
});

describe("docs/deploy-eks.md's commands, as written, on a fresh API server", () => {
  let output = '';
  beforeAll(() => {
    requireBinaries();
    const script = path.join(WORKSPACE_ROOT, 'tools/k8s/apiserver.sh');
    const run = spawnSync('bash', ['-c', `trap 'bash "${script}" down >/dev/null 2>&1' EXIT; bash "${script}" up && bash "${script}" docs`], {
      cwd: WORKSPACE_ROOT,
      encoding: 'utf8',
      timeout: 20 * 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    output = `${run.stdout}\n${run.stderr}`;
  }, 25 * 60_000);

  it('runs every command that acts on the cluster, the chart install included, and none fails', () => {
    const ran = [...output.matchAll(/^\[apiserver\] docs \d+: exit (\d+): (.*)$/gm)].map(([, status, command]) => ({ status: Number(status), command: command.trim() }));
    expect(ran.filter((c) => c.status !== 0)).toEqual([]);
    for (const expected of [/^helm upgrade --install ecotrack helm\/ecotrack /, /^kubectl apply -f deploy\/argocd\/appproject\.yaml$/, /^kubectl apply -f - <<'EOF' apiVersion: v1 kind: Namespace/]) {
      expect(ran.map((c) => c.command)).toContainEqual(expect.stringMatching(expected));
    }
    expect(/^apiserver docs: (\d+) run, (\d+) failed$/m.exec(output)?.slice(1)).toEqual([String(ran.length), '0']);
  });
});
