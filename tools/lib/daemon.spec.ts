import { WORKSPACE_ROOT } from '@ecotrack/testing';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * tools/lib/daemon.sh, the one supervisor of the stack, the mocks and the services: a daemon is
 * started detached and recorded by pid and start time; only that process counts as alive and is
 * ever signalled; stop is TERM, then KILL after the grace.
 */
let run: string;
const daemon = (script: string) =>
  execFileSync('bash', ['-c', `set -euo pipefail; source tools/lib/daemon.sh; ${script}`], {
    cwd: WORKSPACE_ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, RUN: run },
  }).trim();
const alive = (name: string) => daemon(`daemon_alive ${name} "$RUN" && echo yes || echo no`) === 'yes';
const pidOf = (name: string) => Number(readFileSync(path.join(run, `${name}.pid`), 'utf8'));
/** In the process table at all: running, or exited but not yet reaped. */
const exists = (pid: number) => existsSync(`/proc/${pid}`);

beforeEach(() => {
  run = mkdtempSync(path.join(tmpdir(), 'ecotrack-daemon-'));
});
afterEach(() => {
  for (const name of ['sleeper', 'stubborn']) {
    try {
      daemon(`daemon_kill ${name} "$RUN"`);
    } catch {
      // nothing recorded
    }
  }
  rmSync(run, { recursive: true, force: true });
});

describe('tools/lib/daemon.sh', () => {
  it('starts a command detached, records its own pid and start time, and stops it with TERM', () => {
    daemon('daemon_start sleeper "$RUN" "$RUN/sleeper.log" "$RUN" sleep 300');
    const pid = pidOf('sleeper');
    expect(readFileSync(path.join(run, 'sleeper.pid'), 'utf8')).toBe(`${pid}\n`); // only the pid: tests read these files
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toBe('sleep\u0000300\u0000'); // the command itself, not a wrapper
    expect(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[19]).toBe(readFileSync(path.join(run, 'sleeper.started'), 'utf8').trim());
    expect(alive('sleeper')).toBe(true);

    expect(daemon('daemon_stop sleeper "$RUN" 5; echo "$DAEMON_STOPPED"')).toBe('term');
    expect(exists(pid)).toBe(false);
    expect(existsSync(path.join(run, 'sleeper.pid'))).toBe(false);
    expect(alive('sleeper')).toBe(false);
    expect(daemon('daemon_stop sleeper "$RUN" 5; echo "$DAEMON_STOPPED"')).toBe('none');
  });

  it('kills what ignores TERM once the grace is over', () => {
    daemon(`daemon_start stubborn "$RUN" "$RUN/stubborn.log" "$RUN" bash -c 'trap "" TERM; while :; do sleep 0.1; done'`);
    const pid = pidOf('stubborn');
    const started = Date.now();
    expect(daemon('daemon_stop stubborn "$RUN" 1; echo "$DAEMON_STOPPED"')).toBe('kill');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(exists(pid)).toBe(false);
  });

  it('never takes another process for the daemon: a pid recorded with another start time is not alive, and not signalled', () => {
    const stranger = spawn('sleep', ['300'], { stdio: 'ignore' });
    try {
      writeFileSync(path.join(run, 'sleeper.pid'), `${stranger.pid}\n`);
      writeFileSync(path.join(run, 'sleeper.started'), '1\n');
      expect(alive('sleeper')).toBe(false);
      expect(daemon('daemon_stop sleeper "$RUN" 1; echo "$DAEMON_STOPPED"')).toBe('none');
      expect(exists(stranger.pid!)).toBe(true);
    } finally {
      stranger.kill('SIGKILL');
    }
  });

  it('adopts an older pid file without a start time only if its process ran when the file was written', () => {
    const stranger = spawn('sleep', ['300'], { stdio: 'ignore' });
    try {
      // Written before the process started: its pid was reused since.
      const file = path.join(run, 'sleeper.pid');
      writeFileSync(file, `${stranger.pid}\n`);
      utimesSync(file, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
      expect(alive('sleeper')).toBe(false);
      // Written while it ran: the daemon it names, now recorded with its start time.
      writeFileSync(file, `${stranger.pid}\n`);
      expect(alive('sleeper')).toBe(true);
      expect(existsSync(path.join(run, 'sleeper.started'))).toBe(true);
    } finally {
      stranger.kill('SIGKILL');
      // The record names our own child, which only we reap: not the supervisor's to clean up.
      rmSync(path.join(run, 'sleeper.pid'));
    }
  });

  it('reports a daemon that exits while it is awaited, with its log', () => {
    expect(() =>
      daemon('daemon_start sleeper "$RUN" "$RUN/sleeper.log" "$RUN" bash -c "echo broken config; sleep 1; exit 3"; DAEMON_TAG=test daemon_await sleeper "$RUN" "$RUN/sleeper.log" 30 false'),
    ).toThrow(/\[test\] sleeper: exited during start-up[\s\S]*broken config/);
  });
});
