import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { InfraEnv } from './infrastructure';
import { serviceEnv } from './infrastructure';
import { SERVICES, WORKSPACE_ROOT, type ServiceName } from './paths';
import { freePort } from './ports';
import { spawnService, type ServiceProcess } from './service-child';

export interface PlatformOptions {
  /** Variables for every service (e.g. short outbox poll intervals). */
  common?: Record<string, string>;
  /** Variables for one service (e.g. payment-service's Stripe endpoint). */
  env?: Partial<Record<ServiceName, Record<string, string>>>;
  /** What each service process runs under (spawnService's launcher), e.g. pinned to one core. */
  launcher?: string[];
  /** Runs once every service is started, while they wait to become ready (a cold boot starts Kafka only then). */
  afterLaunch?: (url: (service: ServiceName) => string) => Promise<void>;
  /** How long each service may take to become ready; default 90 s. */
  readyTimeoutMs?: number;
}

/** All five services as real processes on free ports, each restartable: what the saga and fault tests drive. */
export interface Platform {
  url(service: ServiceName): string;
  process(service: ServiceName): ServiceProcess;
  /** Every log line the service printed, across restarts. */
  logs(service: ServiceName): string[];
  /** kill -9 (no drain, no shutdown hooks): the crash the fault matrix asks for. */
  kill(service: ServiceName): Promise<void>;
  /** Starts the service again on the same port and waits until it is ready. */
  restart(service: ServiceName): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the platform against the infrastructure in `infra` (the stack's databases, Redis,
 * Kafka, Jaeger). user-service first: the others verify tokens against its JWKS.
 */
export async function startPlatform(infra: InfraEnv, options: PlatformOptions = {}): Promise<Platform> {
  const ports = Object.fromEntries(await Promise.all(SERVICES.map(async (name) => [name, await freePort()]))) as Record<ServiceName, number>;
  const url = (name: ServiceName) => `http://127.0.0.1:${ports[name]}`;
  const processes = new Map<ServiceName, ServiceProcess>();
  const history = new Map<ServiceName, string[][]>();

  const envOf = (name: ServiceName): Record<string, string | undefined> => ({
    ...serviceEnv(infra, name),
    JWT_JWKS_URL: `${url('user-service')}/.well-known/jwks.json`,
    PRODUCT_SERVICE_URL: url('product-service'),
    SHUTDOWN_DRAIN_DELAY_MS: '0',
    LOG_LEVEL: 'info',
    ...options.common,
    ...options.env?.[name],
  });
  const spawnOne = (name: ServiceName) => {
    const proc = spawnService(name, ports[name], envOf(name), { launcher: options.launcher });
    processes.set(name, proc);
    history.set(name, [...(history.get(name) ?? []), proc.stdout, proc.stderr]);
    return proc;
  };
  const readyTimeoutMs = options.readyTimeoutMs ?? 90_000;
  const launch = (name: ServiceName) => spawnOne(name).waitUntilReady(readyTimeoutMs);
  const processOf = (name: ServiceName) => {
    const proc = processes.get(name);
    if (!proc) throw new Error(`${name} is not started`);
    return proc;
  };

  try {
    await launch('user-service');
    const others = SERVICES.filter((name) => name !== 'user-service').map(spawnOne);
    await Promise.all([...others.map((proc) => proc.waitUntilReady(readyTimeoutMs)), options.afterLaunch?.(url)]);
  } catch (error) {
    await Promise.all([...processes.values()].map((proc) => proc.stop('SIGKILL')));
    throw error;
  }

  return {
    url,
    process: processOf,
    logs: (name) => (history.get(name) ?? []).flat(),
    async kill(name) {
      await processOf(name).stop('SIGKILL');
    },
    async restart(name) {
      const old = processes.get(name);
      if (old && old.child.exitCode === null && old.child.signalCode === null) await old.stop('SIGTERM');
      await launch(name);
    },
    async stop() {
      await Promise.all([...processes.values()].map((proc) => proc.stop('SIGTERM')));
    },
  };
}

const stack = (...args: string[]) => execFileSync('bash', [path.join(WORKSPACE_ROOT, 'tools/stack/stack.sh'), ...args], { stdio: 'inherit' });

/**
 * Stops or crashes one infrastructure component of the native stack and starts it again; `lose` is
 * the recovery drills' disaster: killed, and its storage deleted (tools/stack/stack.sh).
 */
export function stackComponent(action: 'start' | 'stop' | 'kill' | 'lose', component: 'postgres' | 'redis' | 'kafka' | 'openbao' | 'replica'): void {
  stack(action, component);
}

/** A backup now: PostgreSQL (pgBackRest) and an OpenBao snapshot (tools/stack/components/backup.sh). */
export function stackBackup(type: 'full' | 'diff' | 'incr' = 'diff'): void {
  stack('backup', type);
}

/** The primary is gone: the streaming replica is promoted into its place (its data directory and its address). */
export function stackFailover(): void {
  stack('failover');
}

/** PostgreSQL restored to `to` (any time `date -d` reads) or to the latest archived point; with openbao, OpenBao first from its newest snapshot. */
export function stackRestore(options: { to?: string; openbao?: boolean } = {}): void {
  stack('restore', ...(options.to ? ['--to', options.to] : []), ...(options.openbao ? ['--openbao'] : []));
}
