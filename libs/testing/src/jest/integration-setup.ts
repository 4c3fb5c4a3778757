import { execFileSync } from 'node:child_process';
import { ensureInfrastructure } from '../infrastructure';
import { WORKSPACE_ROOT } from '../paths';

/**
 * Integration tests need the infrastructure up, the services built (some tests
 * run them as real processes) and every service's migrations applied.
 * process.env set here is inherited by the test workers.
 */
export default async function integrationSetup(): Promise<void> {
  Object.assign(process.env, await ensureInfrastructure());
  const run = (args: string[]) => execFileSync(process.execPath, args, { cwd: WORKSPACE_ROOT, stdio: 'inherit', env: process.env });
  run(['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json']);
  run(['node_modules/tsc-alias/dist/bin/index.js', '-p', 'tsconfig.build.json']);
  run(['tools/run/migrate.js', 'all']);
}
