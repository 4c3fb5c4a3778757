import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { WORKSPACE_ROOT } from './paths';
import { freePort } from './ports';

const run = promisify(execFile);
const STACK = path.join(WORKSPACE_ROOT, 'tools/stack/stack.sh');

/** A Kafka that has never run: its own state directory and ports, started and stopped by tools/stack/stack.sh. */
export interface TemporaryKafka {
  readonly brokers: string;
  /** Formats its storage and starts it; resolves once the broker answers (tools/stack/stack.sh waits up to 120 s). */
  start(): Promise<void>;
  /** Stops it (if started) and deletes its state. Safe to call more than once. */
  destroy(): Promise<void>;
}

export async function temporaryKafka(): Promise<TemporaryKafka> {
  const state = mkdtempSync(path.join(tmpdir(), 'ecotrack-fresh-kafka-'));
  const [port, controllerPort] = [await freePort(), await freePort()];
  const env = { ...process.env, ECOTRACK_STATE_DIR: state, ECOTRACK_KAFKA_PORT: String(port), ECOTRACK_KAFKA_CONTROLLER_PORT: String(controllerPort) };
  const stack = (action: string) => run('bash', [STACK, action, 'kafka'], { env, maxBuffer: 1 << 20 });
  let started = false;
  return {
    brokers: `127.0.0.1:${port}`,
    async start() {
      started = true;
      await stack('start');
    },
    async destroy() {
      if (started) await stack('stop').catch(() => undefined);
      started = false;
      rmSync(state, { recursive: true, force: true });
    },
  };
}

/**
 * A process that keeps one CPU core busy (pinned with taskset), as a build or a neighbour would:
 * what runs pinned beside it gets a fraction of that core. kill() ends it; so does this process's exit.
 */
export function cpuHog(core: number): { kill(): void } {
  const hog = spawn('taskset', ['-c', String(core), process.execPath, '-e', 'for (;;) {}'], { stdio: 'ignore' });
  const kill = () => {
    if (hog.exitCode === null && hog.signalCode === null) hog.kill('SIGKILL');
  };
  process.once('exit', kill);
  return {
    kill() {
      kill();
      process.removeListener('exit', kill);
    },
  };
}
