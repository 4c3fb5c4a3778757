import { createProjectGraphAsync } from '@nx/devkit';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

/**
 * The architecture's arrows (DESIGN.md) are enforced by lint. These cases lint
 * in-memory source as if it lived in a project, so a rule that silently stops
 * running (e.g. no project graph) fails here instead of passing everything.
 */
const root = path.resolve(__dirname, '../..');

/** Runs the real ESLint CLI (flat config is ESM, which Jest's VM cannot load in-process). */
async function boundaryErrors(file: string, source: string): Promise<string[]> {
  const eslint = spawnSync(process.execPath, ['node_modules/eslint/bin/eslint.js', '--format', 'json', '--stdin', '--stdin-filename', file], {
    cwd: root,
    input: source,
    encoding: 'utf8',
    env: { ...process.env, NX_DAEMON: 'false' },
  });
  const [result] = JSON.parse(eslint.stdout) as Array<{ messages: Array<{ ruleId: string | null; message: string }> }>;
  return result.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
}

describe('module boundaries', () => {
  beforeAll(async () => {
    process.env.NX_DAEMON = 'false';
    await createProjectGraphAsync({ exitOnError: false });
  }, 60_000);

  it('lets an app import a lib', async () => {
    expect(await boundaryErrors('apps/order-service/src/probe.ts', "import { problem } from '@ecotrack/platform';\nexport const p = problem;\n")).toEqual([]);
  });

  it('forbids a lib importing an app', async () => {
    const errors = await boundaryErrors('libs/platform/src/probe.ts', "import { service } from '../../../apps/product-service/src/service';\nexport const s = service;\n");
    expect(errors.length).toBeGreaterThan(0);
  });

  it('forbids an app importing another app', async () => {
    const errors = await boundaryErrors('apps/order-service/src/probe.ts', "import { Product } from '../../product-service/src/catalog/product.entity';\nexport const p = Product;\n");
    expect(errors.length).toBeGreaterThan(0);
  });

  /** A probe file in `project` importing `symbol` from the lib `target`. */
  const probe = (project: string, target: string, symbol: string, file = 'src/probe.ts') =>
    boundaryErrors(`libs/${project}/${file}`, `import { ${symbol} } from '@ecotrack/${target}';\nexport const probe = ${symbol};\n`);

  /**
   * The rule's verdict on a forbidden arrow from the lib `from`: its tag may not depend on the
   * target's (core and telemetry: on none), or, where the target's tests already lead back to
   * `from` through libs/testing, the cycle that arrow would close.
   */
  const refused = (from: string) => [
    expect.stringMatching(new RegExp(`tagged with "lib:${from}" (can only depend on|cannot depend on any libs)|^Circular dependency between "${from}"`)),
  ];

  it.each([
    ['telemetry', 'core', 'Lifecycle'],
    ['telemetry', 'platform', 'problem'],
    ['core', 'telemetry', 'METRICS_REGISTRY'],
    ['core', 'platform', 'problem'],
    ['events', 'platform', 'problem'],
    ['saga', 'platform', 'problem'],
    ['platform', 'secrets', 'OpenBaoError'],
    ['platform', 'field-encryption', 'FieldKeyRewrap'],
    ['platform', 'events', 'topics'],
    ['secrets', 'platform', 'problem'],
    ['field-encryption', 'platform', 'Roles'],
    ['testing', 'events', 'topics'],
  ])('forbids %s importing %s', async (from, to, symbol) => {
    expect(await probe(from, to, symbol)).toEqual(refused(from));
  });

  it.each([
    ['saga', 'events', 'OutboxWriter'],
    ['saga', 'core', 'Lifecycle'],
    ['events', 'core', 'DependencyRegistry'],
    ['platform', 'core', 'APP_CONFIG'],
    ['secrets', 'core', 'mapErrorsToProblems'],
    ['field-encryption', 'secrets', 'TransitCipher'],
    ['testing', 'platform', 'createService'],
  ])('lets %s import %s', async (from, to, symbol) => {
    expect(await probe(from, to, symbol)).toEqual([]);
  });

  it("lets a lib's tests, and only its tests, import libs/testing", async () => {
    expect(await probe('events', 'testing', 'ScratchDatabase', 'src/probe.int-spec.ts')).toEqual([]);
    expect(await probe('events', 'testing', 'ScratchDatabase')).toEqual(refused('events'));
    expect(await probe('events', 'platform', 'problem', 'test/probe.ts')).toEqual(refused('events'));
  });
});
