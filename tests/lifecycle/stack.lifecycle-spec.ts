import { port, portTable, STATE_DIR, WORKSPACE_ROOT } from '@ecotrack/testing';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/**
 * `./ecotrack up` twice: the second changes nothing. `./ecotrack down`: nothing
 * of ours keeps running. Runs last in the suite, because it stops the stack.
 * The stack is the infrastructure (pid files in .stack/run), the local providers
 * stripe-mock and Mailpit (.stack/mocks) and the five services (.stack/run).
 */
const ecotrack = (command: string) =>
  spawnSync('bash', [path.join(WORKSPACE_ROOT, 'ecotrack'), command], { cwd: WORKSPACE_ROOT, encoding: 'utf8', timeout: 20 * 60_000 });

const COMPONENTS = ['postgres', 'redis', 'kafka', 'openbao', 'alertmanager', 'prometheus', 'jaeger', 'backup', 'replica', 'stripe-mock', 'mailpit',
  'user-service', 'product-service', 'order-service', 'payment-service', 'notification-service'];
const MOCKS = ['stripe-mock', 'mailpit'];
// Every port of the table (where the stack runs them: ECOTRACK_<NAME>_PORT moves one) but the PayPal mocks,
// which only tests start, and the next ports of OpenBao (its cluster address) and stripe-mock (HTTPS).
const PORTS = [
  ...Object.keys(portTable()).filter((name) => !name.startsWith('PAYPAL_')).map(port),
  port('OPENBAO') + 1,
  port('STRIPE_MOCK') + 1,
];
const PROVIDERS_ENV = path.join(STATE_DIR, 'providers.env');

function pidFiles(): Record<string, number> {
  return Object.fromEntries(
    ['run', 'mocks'].flatMap((sub) => {
      const dir = path.join(STATE_DIR, sub);
      if (!existsSync(dir)) return [];
      return readdirSync(dir).filter((f) => f.endsWith('.pid')).map((f) => [f.replace(/\.pid$/, ''), Number(readFileSync(path.join(dir, f), 'utf8').trim())]);
    }),
  );
}

/**
 * Every process on the machine with its parent, start time (clock ticks since boot: with the pid,
 * it names one process, even if the pid is reused later) and command line.
 */
function processTable(): { pid: number; ppid: number; started: string; args: string }[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((d) => {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return [{ pid: Number(d), ppid: Number(fields[1]), started: fields[19], args: readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ') }];
    } catch {
      return []; // exited while we looked
    }
  });
}

/** pid → start time of the given processes that are alive now. */
function identities(pids: number[]): Record<number, string> {
  const wanted = new Set(pids);
  return Object.fromEntries(processTable().filter((p) => wanted.has(p.pid)).map((p) => [p.pid, p.started]));
}

/** The started processes and all their descendants (e.g. PostgreSQL's backends). */
function processTree(roots: number[]): Set<number> {
  const table = processTable();
  const tree = new Set(roots);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of table) {
      if (tree.has(p.ppid) && !tree.has(p.pid)) {
        tree.add(p.pid);
        grew = true;
      }
    }
  }
  return tree;
}

/** Processes of ours: started with the state dir or our build in their command line, or the stack's mocks on its ports. */
const ours = () =>
  processTable().filter(
    (p) =>
      p.args.includes(STATE_DIR) ||
      p.args.includes(path.join(WORKSPACE_ROOT, 'dist/apps')) ||
      new RegExp(`/stripe-mock-\\S+ -http-addr 127\\.0\\.0\\.1:${port('STRIPE_MOCK')} `).test(p.args) ||
      new RegExp(`/mailpit-\\S+ --listen 127\\.0\\.0\\.1:${port('MAILPIT')} `).test(p.args),
  );
const portOpen = (tcpPort: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port: tcpPort }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });

describe('./ecotrack up / down', () => {
  it('up on a running stack is a no-op', () => {
    expect(ecotrack('up').status).toBe(0);
    const before = pidFiles();
    expect(Object.keys(before).sort()).toEqual([...COMPONENTS].sort());
    // The daemons themselves, not their children: PostgreSQL backends, for one, come and go as pools
    // recycle connections (database logins rotate every minute), whatever `up` does.
    const daemonsBefore = identities(Object.values(before));
    expect(Object.keys(daemonsBefore)).toHaveLength(COMPONENTS.length);
    // The generated Stripe key: private to us, and kept across ups.
    expect(statSync(PROVIDERS_ENV).mode & 0o777).toBe(0o600);
    const providersBefore = readFileSync(PROVIDERS_ENV, 'utf8');
    expect(providersBefore).toMatch(/^STRIPE_SECRET_KEY=sk_test_[0-9a-f]+$/m);

    const second = ecotrack('up');
    expect(second.status).toBe(0);
    for (const component of COMPONENTS) expect(second.stdout).toMatch(new RegExp(`${component}: already running`));
    expect(pidFiles()).toEqual(before);
    expect(identities(Object.values(before))).toEqual(daemonsBefore);
    expect(readFileSync(PROVIDERS_ENV, 'utf8')).toBe(providersBefore);

    const status = ecotrack('status');
    expect(status.status).toBe(0);
    for (const mock of MOCKS) expect(status.stdout).toMatch(new RegExp(`${mock}: running \\(pid ${before[mock]}\\)`));
  }, 20 * 60_000);

  it('down stops everything it started and leaves no process of ours', async () => {
    const tree = identities([...processTree(Object.values(pidFiles()))]);
    expect(Object.keys(tree).length).toBeGreaterThanOrEqual(COMPONENTS.length);

    const down = ecotrack('down');
    expect(down.status).toBe(0);
    // Still there: the same pid with the same start time (a pid reused since is someone else's).
    const now = identities(Object.keys(tree).map(Number));
    expect(Object.entries(now).filter(([pid, started]) => tree[Number(pid)] === started)).toEqual([]);
    expect(ours()).toEqual([]);
    for (const port of PORTS) expect([port, await portOpen(port)]).toEqual([port, false]);
    const status = ecotrack('status');
    expect(status.status).not.toBe(0);
    for (const mock of MOCKS) expect(status.stdout).toMatch(new RegExp(`${mock}: stopped`));
  }, 5 * 60_000);
});
