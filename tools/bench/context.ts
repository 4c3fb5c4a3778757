import { readStackEnv, SERVICE_PORTS, SERVICES, STATE_DIR, waitUntil, WORKSPACE_ROOT, type ServiceName } from '@ecotrack/testing';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** What one bench run shares between its steps (each step is its own process, run under the bench lock). */
export const SMOKE = process.env.BENCH_SMOKE === 'true';
/** Where the steps leave their results (JSON, one file per step). */
export const RESULTS_DIR = process.env.BENCH_RESULTS_DIR ?? path.join(STATE_DIR, 'bench', SMOKE ? 'smoke' : 'full');
/**
 * Where the seed step leaves the run's accounts (emails, passwords) for the later steps: outside the
 * state directory, whose files the suite searches for personal data; ./ecotrack bench deletes it.
 */
const SEED_DIR = process.env.BENCH_SEED_DIR ?? RESULTS_DIR;

/** Seconds and sizes: the full run on this 2-core machine stays under ~10 minutes, the smoke under ~2. */
export const PLAN = SMOKE
  ? { warmupSeconds: 1, loadSeconds: 3, pgbenchSeconds: 3, sagaSeconds: 3, customers: 24, idleSeconds: 10 }
  : { warmupSeconds: 3, loadSeconds: 10, pgbenchSeconds: 20, sagaSeconds: 20, customers: 80, idleSeconds: 30 };

export const stackEnv = () => readStackEnv();
export const serviceUrl = (service: ServiceName) => `http://127.0.0.1:${SERVICE_PORTS[service]}`;

/** Waits until each of the stack's services says ready (a step may start while someone restarts them). */
export async function stackReady(): Promise<void> {
  for (const service of SERVICES) {
    const ready = () => fetch(`${serviceUrl(service)}/health/ready`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.status === 200, () => false);
    await waitUntil(`${service} to be ready`, ready, Boolean, { timeoutMs: 180_000, intervalMs: 500 });
  }
}

const SERVICES_SH = path.join(WORKSPACE_ROOT, 'tools/run/services.sh');

/** tools/run/services.sh, with the caller's state directory. */
export function services(...args: string[]): string {
  return execFileSync('bash', [SERVICES_SH, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

/** The environment services.sh starts a service with (the one definition of it). */
export function environmentOf(service: ServiceName): Record<string, string> {
  return Object.fromEntries(
    services('env', service)
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

const fileOf = (step: string) => path.join(step === 'seed' ? SEED_DIR : RESULTS_DIR, `${step}.json`);

export function writeResult(step: string, result: unknown): void {
  mkdirSync(path.dirname(fileOf(step)), { recursive: true, mode: 0o700 });
  writeFileSync(fileOf(step), `${JSON.stringify(result, null, 2)}\n`, { mode: 0o600 });
}

export function readResult<T>(step: string): T | undefined {
  try {
    return JSON.parse(readFileSync(fileOf(step), 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export const log = (message: string) => console.log(`[bench] ${message}`);
