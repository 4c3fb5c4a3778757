import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { STATE_DIR, WORKSPACE_ROOT } from './paths';
import { SERVICE_PORTS } from './ports';
import { startContainers } from './containers';

/** Connection settings for the infrastructure, as written to .stack/stack.env. */
export type InfraEnv = Record<string, string>;

export function dockerEngineAnswers(): boolean {
  const result = spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 5_000 });
  return result.status === 0;
}

/** Parses the `export KEY=value` lines that the stack script writes. */
export function readStackEnv(file = path.join(STATE_DIR, 'stack.env')): InfraEnv {
  const env: InfraEnv = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^(?:export\s+)?([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match) env[match[1]] = match[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return env;
}

/**
 * The one way tests get PostgreSQL, Redis, Kafka and OpenBao: Testcontainers
 * where a Docker engine answers, otherwise the native processes of
 * tools/stack (installed and started on demand; a no-op when already up).
 */
export async function ensureInfrastructure(): Promise<InfraEnv> {
  if (process.env.ECOTRACK_INFRA !== 'native' && dockerEngineAnswers()) return startContainers();
  execFileSync('bash', [path.join(WORKSPACE_ROOT, 'tools/stack/stack.sh'), 'up'], { stdio: 'inherit' });
  return readStackEnv();
}

/**
 * The environment a service process gets: its own database URL under the generic name, and
 * its OpenBao login (address and AppRole secret-id file, written by tools/openbao/configure.sh),
 * used when the service definition has a `secrets` source.
 */
export function serviceEnv(infra: InfraEnv, service: string): InfraEnv {
  const prefix = service.toUpperCase().replace(/-/g, '_');
  return {
    DATABASE_URL: infra[`${prefix}_DATABASE_URL`],
    REDIS_URL: infra.REDIS_URL,
    KAFKA_BROKERS: infra.KAFKA_BROKERS,
    OTEL_EXPORTER_OTLP_ENDPOINT: infra.OTEL_EXPORTER_OTLP_ENDPOINT,
    OPENBAO_ADDR: infra.OPENBAO_ADDR,
    OPENBAO_SECRET_ID_FILE: path.join(STATE_DIR, 'openbao', 'approle', `${service}.secret-id`),
    // Where the local user-service publishes its keys (tools/run/services.sh does the same).
    JWT_JWKS_URL: `http://127.0.0.1:${SERVICE_PORTS['user-service']}/.well-known/jwks.json`,
  };
}
