import { WORKSPACE_ROOT } from '@ecotrack/testing';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import type { ColdStart } from './cold-start';
import { PLAN, readResult, RESULTS_DIR, SMOKE } from './context';
import { orderFigures, readFigures, serviceFigures, type Figure } from './figures';
import type { Idle } from './idle';
import type { OrdersResult } from './orders';
import { adminConnection } from './pgbench';
import type { ReadResult } from './read';

const BEGIN = '<!-- bench:begin -->';
const END = '<!-- bench:end -->';
const DOCUMENT = SMOKE ? path.join(RESULTS_DIR, 'performance.md') : path.join(WORKSPACE_ROOT, 'docs/performance.md');

const git = (...args: string[]) => execFileSync('git', args, { cwd: WORKSPACE_ROOT, encoding: 'utf8' }).trim();

async function machine(): Promise<string[]> {
  const cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  const client = new Client({ connectionString: adminConnection().url });
  await client.connect();
  const postgres = (await client.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version;
  await client.end();
  const dirty = git('status', '--porcelain', '--untracked-files=no') ? ' (dirty: uncommitted changes)' : '';
  return [
    `- Date: ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`,
    `- Commit: ${git('rev-parse', '--short', 'HEAD')}${dirty}`,
    `- Machine: ${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB memory, Linux ${os.release()}`,
    `- Node ${process.version}, PostgreSQL ${postgres}`,
  ];
}

const verdict = (figure: Figure) => (figure.met === undefined ? '' : figure.met ? (figure.stretch ? 'met (stretch too)' : 'met') : '**missed**');
const shown = (figure: Figure) => (Number.isFinite(figure.value) ? `${figure.value} ${figure.unit}` : 'NO FIGURE');

function table(figures: Figure[]): string[] {
  return [
    '| Measure | EcoTrack | Baseline in the same run | Ratio | Target | |',
    '|---|---|---|---|---|---|',
    ...figures.map((f) => `| ${f.measure} | ${shown(f)} | ${f.baseline ?? ''} | ${f.ratio ?? ''} | ${f.target} | ${verdict(f)} |`),
  ];
}

function commands(read: ReadResult | undefined, orders: OrdersResult | undefined): string[] {
  return [
    `- \`./ecotrack bench${SMOKE ? ' --smoke' : ''}\` (tools/bench/): each step below under \`flock /tmp/ecotrack-bench.lock\`; the cold starts and the idle sample also under \`/tmp/ecotrack-services.lock\`.`,
    `- Read: a copy of product-service on a free port with the stack's environment (\`tools/run/services.sh env product-service\`) and ${(read?.copyEnvironment ?? []).map((v) => `\`${v}\``).join(', ') || 'NODE_ENV=production'} (the per-IP limit raised for this copy only, its counters its own); telemetry as configured (production default sampler), then again with \`OTEL_SDK_DISABLED=true\`. Server \`taskset -c 0\`, autocannon 9 (library) on core 1: ${PLAN.warmupSeconds} s warm-up, then ${PLAN.loadSeconds} s at 100 connections, pipelining 10 (only 2xx counted); then ${PLAN.loadSeconds} s at half that rate (\`overallRate\`), 100 connections. Baseline: bare Fastify (tools/bench/bare-fastify.ts) serving the body the service returned (${read?.productBytes ?? '?'} bytes), same pinning.`,
    `- Orders: \`${orders?.pgbench.command ?? 'pgbench -N'}\` (initialised with \`pgbench -i\`, dropped after). Then customers (each registered and logged in from its own loopback address, at most 100 requests a minute each: the default limits hold) order one order at a time (2 lines of the seeded catalog, stripe pm_card_visa) and poll it (50 ms growing to 1 s) for ${PLAN.sagaSeconds} s at 1, 10 and 20 concurrent customers; every order is waited for. Saga time: from the 202 to the order's updatedAt once CONFIRMED. Orders/s: confirmed orders from the start of the level to the last confirmation. Commits: sum of xact_commit of the five service databases after the level less before it, less what the idle services commit in as long (sampled 5 s before the levels); the bench's own order reads (its polls) are included, as a shopper's would be.`,
    `- Cold start: \`tools/run/services.sh down <service>\`, then \`tools/run/services.sh up <service>\`, from the process's start (its /proc start time) to the first 200 of /health/live and /health/ready (polled every 20 ms), one service at a time, the others up.`,
    `- Idle: after a warm-up (a login, 10 product reads, one order through the saga) and 5 s without traffic, ${PLAN.idleSeconds} s of utime+stime (/proc/<pid>/stat) and VmRSS at the end, per service as the stack runs it.`,
  ];
}

/** Prints the figures, writes them between the markers of the document, fails when a measurement gave no number. */
export async function report(): Promise<void> {
  const read = readResult<ReadResult>('read');
  const orders = readResult<OrdersResult>('orders');
  const coldStarts = readResult<ColdStart[]>('cold-start') ?? [];
  const idle = readResult<Idle[]>('idle') ?? [];
  const figures = [...(read ? readFigures(read) : []), ...(orders ? orderFigures(orders) : []), ...serviceFigures(coldStarts, idle)];
  const missing = [...(read ? [] : ['read']), ...(orders ? [] : ['orders']), ...(coldStarts.length === 5 ? [] : ['cold-start']), ...(idle.length === 5 ? [] : ['idle'])];
  const notes = [
    ...(missing.length > 0 ? [`- **Not measured in this run** (the step failed; see its output): ${missing.join(', ')}.`] : []),
    ...(orders ? [`- Order load: ${orders.tooManyRequests} answers 429 (rate limited), ${orders.pacedWaits} waits of a customer for its own budget; ${orders.levels.map((l) => `${l.customers} customer(s): ${l.pollsPerOrder} polls per order, refused ${JSON.stringify(l.refused)}`).join('; ')}.`] : []),
    ...(read ? [`- Read: non-2xx answers at max throughput: service ${JSON.stringify(read.service.max.non2xx)} (errors ${read.service.max.errors}, timeouts ${read.service.max.timeouts}), telemetry off ${JSON.stringify(read.telemetryOff.max.non2xx)}, bare ${JSON.stringify(read.bare.max.non2xx)}; at half rate: ${read.service.half.non2xx} non-2xx.`] : []),
  ];
  const block = [BEGIN, `<!-- generated by ./ecotrack bench${SMOKE ? ' --smoke' : ''}; edit outside the markers -->`, '', ...(await machine()), '', ...table(figures), '', ...notes, '', '### How it was measured', '', ...commands(read, orders), END];
  const current = existsSync(DOCUMENT) ? readFileSync(DOCUMENT, 'utf8') : `# Performance\n\n${BEGIN}\n${END}\n`;
  const [before, rest] = current.includes(BEGIN) ? current.split(BEGIN) : [`${current}\n`, `\n${END}`];
  writeFileSync(DOCUMENT, `${before}${block.join('\n')}${rest.slice(rest.indexOf(END) + END.length)}`);
  console.log(['', ...table(figures), '', ...notes, '', `written to ${path.relative(process.cwd(), DOCUMENT)}`].join('\n'));
  const unmeasured = [...missing, ...figures.filter((f) => !Number.isFinite(f.value)).map((f) => f.measure)];
  if (unmeasured.length > 0) throw new Error(`no figure for: ${unmeasured.join('; ')}`);
}
