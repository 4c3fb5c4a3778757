import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from './ports';
import { WORKSPACE_ROOT } from './paths';
import { waitUntil } from './wait';

export interface VendorMock {
  baseUrl: string;
  stop(): Promise<void>;
}

const MOCKS_DIR = path.join(WORKSPACE_ROOT, 'tools/mocks');

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
}

/** Polls until the mock answers HTTP at all (any status); fails fast if the process exits. */
async function waitUntilAnswering(name: string, url: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const answers = async () => {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    return fetch(url, { signal: AbortSignal.timeout(2_000) }).then(() => true, () => false);
  };
  await waitUntil(`${name} to answer at ${url}`, answers, Boolean, { timeoutMs, intervalMs: 250 }).catch((error: Error) => {
    child.kill('SIGTERM');
    throw new Error(`${error.message}\n${output()}`);
  });
}

function spawnMock(command: string, args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(command, args, { cwd: WORKSPACE_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, output: () => log };
}

/**
 * The cached binary of a Go-built mock (the version its tools module in tools/mocks/go pins): mocks.sh
 * builds it only when it is missing (tools/lib/go-tool.sh), and prints its path.
 */
function mockBinary(name: 'stripe-mock' | 'mailpit'): string {
  return execFileSync('bash', [path.join(MOCKS_DIR, 'mocks.sh'), 'install', name], { stdio: ['ignore', 'pipe', 'inherit'], timeout: 15 * 60_000, encoding: 'utf8' }).trim();
}

export const stripeMockBinary = () => mockBinary('stripe-mock');

/** stripe-mock (Stripe's own mock, validating requests against its embedded spec) on a free loopback port. */
export async function startStripeMock(): Promise<VendorMock> {
  const bin = stripeMockBinary();
  const [port, httpsPort] = [await freePort(), await freePort()];
  // Without an explicit HTTPS address stripe-mock also binds :12112 on all interfaces.
  const { child, output } = spawnMock(bin, ['-http-addr', `127.0.0.1:${port}`, '-https-addr', `127.0.0.1:${httpsPort}`]);
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitUntilAnswering('stripe-mock', `${baseUrl}/v1/charges`, child, output, 30_000);
  return { baseUrl, stop: stopper(child) };
}

/** Prism (from node_modules) mocking one OpenAPI spec on a free loopback port; loading can take ~25 s. */
export async function startPrism(specPath: string, timeoutMs = 120_000): Promise<VendorMock> {
  const prism = path.join(WORKSPACE_ROOT, 'node_modules/@stoplight/prism-cli/dist/index.js');
  const port = await freePort();
  const { child, output } = spawnMock(process.execPath, [prism, 'mock', '-h', '127.0.0.1', '-p', String(port), path.resolve(WORKSPACE_ROOT, specPath)]);
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitUntilAnswering('prism', `${baseUrl}/`, child, output, timeoutMs);
  return { baseUrl, stop: stopper(child) };
}

/** The vendors' published specs, beside the repository (see vendor-apis/README.md). */
export const VENDOR_APIS = process.env.ECOTRACK_VENDOR_APIS ?? path.resolve(WORKSPACE_ROOT, '../shared/vendor-apis');

export interface MailpitMock {
  /** Where to send: smtp://127.0.0.1:<port> (plain SMTP, no authentication). */
  smtpUrl: string;
  /** Mailpit's HTTP API: `${apiUrl}/api/v1/messages`, `${apiUrl}/api/v1/message/{ID}`. */
  apiUrl: string;
  stop(): Promise<void>;
}

export const mailpitBinary = () => mockBinary('mailpit');

/**
 * A private Mailpit (SMTP server with an HTTP API to read what it received) on free loopback
 * ports, its messages in a temporary database. `smtpPort`/`httpPort` restart one on the ports of
 * an instance that was stopped; `chaos` enables its API to make SMTP answer with error codes
 * (PUT /api/v1/chaos).
 */
export async function startMailpit(options: { smtpPort?: number; httpPort?: number; chaos?: boolean } = {}): Promise<MailpitMock> {
  const bin = mailpitBinary();
  const smtpPort = options.smtpPort ?? (await freePort());
  const httpPort = options.httpPort ?? (await freePort());
  const { child, output } = spawnMock(bin, [
    '--listen',
    `127.0.0.1:${httpPort}`,
    '--smtp',
    `127.0.0.1:${smtpPort}`,
    '--smtp-disable-rdns',
    '--disable-version-check',
    '--block-remote-css-and-fonts',
    ...(options.chaos ? ['--enable-chaos'] : []),
  ]);
  const apiUrl = `http://127.0.0.1:${httpPort}`;
  await waitUntilAnswering('mailpit', `${apiUrl}/readyz`, child, output, 30_000);
  return { smtpUrl: `smtp://127.0.0.1:${smtpPort}`, apiUrl, stop: stopper(child) };
}
