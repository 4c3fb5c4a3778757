import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { WORKSPACE_ROOT } from '../paths';
import integrationSetup from './integration-setup';

/**
 * Saga and fault tests start the five services themselves (restartable, kill -9-able, with test
 * providers). The stack's own services would share their Kafka consumer groups and take half of
 * the messages, so they are stopped first; the infrastructure stays.
 */
export default async function sagaSetup(): Promise<void> {
  await integrationSetup();
  execFileSync('bash', [path.join(WORKSPACE_ROOT, 'tools/run/services.sh'), 'down'], { stdio: 'inherit' });
}
