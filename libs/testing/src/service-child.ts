import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import path from 'node:path';
import { WORKSPACE_ROOT } from './paths';
import { waitUntil } from './wait';

export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly baseUrl: string;
  /** Everything the process printed, line by line (JSON logs on stdout, plain text on stderr). */
  readonly stdout: string[];
  readonly stderr: string[];
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  readonly exited: Promise<number | string>;
  waitUntilReady(timeoutMs?: number): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export interface SpawnOptions {
  /** A command the service runs under, e.g. ['taskset', '-c', '0'] to pin it to one core (it must exec the rest). */
  launcher?: string[];
}

/**
 * Runs a built service (dist/apps/<name>/src/main.js) as a child process of the test: in the foreground,
 * its output captured line by line, stopped with any signal (a crash is SIGKILL) and gone when the test
 * process ends. Not a supervisor: the local stack's detached daemons (pid files, start times, TERM then
 * KILL) are tools/lib/daemon.sh's.
 */
export function spawnService(name: string, port: number, env: Record<string, string | undefined>, options: SpawnOptions = {}): ServiceProcess {
  const entry = path.join(WORKSPACE_ROOT, 'dist/apps', name, 'src/main.js');
  const [command, ...args] = [...(options.launcher ?? []), process.execPath, entry];
  const child = spawn(command, args, {
    cwd: WORKSPACE_ROOT,
    env: {
      PATH: process.env.PATH,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'info',
      NODE_ENV: 'test',
      // Its own rate-limit counters: see startInProcess.
      RATE_LIMIT_KEY_PREFIX: `ratelimit-test-${randomUUID()}`,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const collect = (stream: NodeJS.ReadableStream, lines: string[]) => {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts.filter(Boolean));
    });
  };
  collect(child.stdout!, stdout);
  collect(child.stderr!, stderr);
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string);
  const baseUrl = `http://127.0.0.1:${port}`;

  return {
    child,
    baseUrl,
    stdout,
    stderr,
    exited,
    async waitUntilReady(timeoutMs = 60_000) {
      let ended = false;
      void exited.then(() => (ended = true));
      const readiness = async () => {
        if (ended) throw new Error(`${name} exited before it was ready`);
        const response = await fetch(`${baseUrl}/health/ready`).catch(() => undefined);
        return response ? `${response.status} ${await response.text()}` : 'no answer';
      };
      await waitUntil(`${name} to be ready`, readiness, (answer) => answer.startsWith('200 '), { timeoutMs, intervalMs: 200 }).catch((error: Error) => {
        throw new Error(`${error.message}\n${[...stdout, ...stderr].slice(-20).join('\n')}`);
      });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
