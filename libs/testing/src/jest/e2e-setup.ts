import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { readStackEnv } from '../infrastructure';
import { WORKSPACE_ROOT } from '../paths';

/** End-to-end tests run against the whole local stack: `./ecotrack up` (a no-op when it already runs). */
export default async function e2eSetup(): Promise<void> {
  execFileSync('bash', [path.join(WORKSPACE_ROOT, 'ecotrack'), 'up'], { cwd: WORKSPACE_ROOT, stdio: 'inherit' });
  Object.assign(process.env, readStackEnv());
}
