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

  it('forbids telemetry importing any lib of ours', async () => {
    const errors = await boundaryErrors('libs/telemetry/src/probe.ts', "import { problem } from '@ecotrack/platform';\nexport const p = problem;\n");
    expect(errors.length).toBeGreaterThan(0);
  });
});
