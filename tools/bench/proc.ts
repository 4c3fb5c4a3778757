import { SERVICES, STATE_DIR, type ServiceName } from '@ecotrack/testing';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** What Linux says of a process (/proc), for the stack's services as tools/lib/daemon.sh records them. */
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
const BOOT_SECONDS = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))![1]);
const RUN_DIR = path.join(STATE_DIR, 'run');

export const servicePid = (service: ServiceName) => Number(readFileSync(path.join(RUN_DIR, `${service}.pid`), 'utf8').trim());

/** /proc/<pid>/stat's fields after the command name (which may hold spaces): index 0 is field 3. */
const statFields = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').pop()!.split(' ');

/** CPU time (user + system) the process has used so far, in seconds. */
export function cpuSeconds(pid: number): number {
  const fields = statFields(pid);
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Resident memory now (VmRSS), in MiB. */
export function rssMiB(pid: number): number {
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return kib ? Number(kib[1]) / 1024 : Number.NaN;
}

/** When the daemon's process started (epoch ms, to a clock tick), from the start time daemon.sh recorded. */
export function serviceStartedAt(service: ServiceName): number {
  const ticks = Number(readFileSync(path.join(RUN_DIR, `${service}.started`), 'utf8').trim());
  return (BOOT_SECONDS + ticks / CLOCK_TICKS) * 1_000;
}

export { SERVICES };
