import { freePort, spawnService, waitUntil, WORKSPACE_ROOT, type ServiceProcess } from '@ecotrack/testing';
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { environmentOf, log, PLAN, readResult, RESULTS_DIR, writeResult } from './context';
import type { Seed } from './customers';
import { round } from './stats';

/** The server runs on core 0; this process (autocannon) runs on core 1 (./ecotrack bench starts it under taskset -c 1). */
const SERVER_CORE = ['taskset', '-c', '0'];
/** Raised for the copy only, so the per-IP limit (300 a minute) measures nothing but its own cost. */
const RAISED_IP_LIMIT = '1000000000';

export interface Saturation {
  requestsPerSecond: number;
  non2xx: Record<string, number>;
  errors: number;
  timeouts: number;
}
export interface HalfRate {
  rate: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
}
export interface ReadResult {
  productBytes: number;
  service: { max: Saturation; half: HalfRate };
  telemetryOff: { max: Saturation };
  bare: { max: Saturation; half: HalfRate };
  copyEnvironment: string[];
}

/**
 * Requests a saturating run sent but never saw answered are still queued in the server when it ends
 * (up to 1,000 pipelined); the next run starts once one request alone is answered quickly again.
 */
async function drained(url: string): Promise<void> {
  const quick = async () => {
    const started = Date.now();
    await fetch(url).then((response) => response.arrayBuffer());
    return Date.now() - started < 50;
  };
  await waitUntil(`${url} to drain its queue`, quick, Boolean, { timeoutMs: 60_000, intervalMs: 100 });
}

/** Maximum throughput: 100 connections, pipelining 10; only 2xx answers count. After a lighter warm-up. */
async function saturate(url: string): Promise<Saturation> {
  await autocannon({ url, connections: 10, duration: PLAN.warmupSeconds });
  await drained(url);
  const result = await autocannon({ url, connections: 100, pipelining: 10, duration: PLAN.loadSeconds });
  await drained(url);
  const non2xx = Object.fromEntries(Object.entries(result.statusCodeStats).filter(([code]) => !code.startsWith('2')).map(([code, { count }]) => [code, count]));
  return { requestsPerSecond: round(result['2xx'] / result.duration, 0), non2xx, errors: result.errors, timeouts: result.timeouts };
}

/** Latency at half the measured maximum (autocannon's overallRate paces the requests). */
async function atHalf(url: string, max: Saturation): Promise<HalfRate> {
  const rate = Math.max(1, Math.round(max.requestsPerSecond / 2));
  const result = await autocannon({ url, connections: 100, overallRate: rate, duration: PLAN.loadSeconds });
  return { rate, p50Ms: result.latency.p50, p99Ms: result.latency.p99, non2xx: result.non2xx };
}

async function productCopy(extra: Record<string, string>): Promise<{ proc: ServiceProcess; env: Record<string, string> }> {
  const port = await freePort();
  const env = { ...environmentOf('product-service'), PORT: String(port), NODE_ENV: 'production', RATE_LIMIT_IP_PER_MINUTE: RAISED_IP_LIMIT, ...extra };
  const proc = spawnService('product-service', port, env, { launcher: SERVER_CORE });
  await proc.waitUntilReady(90_000);
  return { proc, env };
}

async function bareFastify(body: string, contentType: string): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  mkdirSync(RESULTS_DIR, { recursive: true });
  const bodyFile = path.join(RESULTS_DIR, 'product-body.json');
  writeFileSync(bodyFile, body);
  const child = spawn(SERVER_CORE[0], [...SERVER_CORE.slice(1), process.execPath, '-r', 'ts-node/register/transpile-only', path.join(__dirname, 'bare-fastify.ts')], {
    cwd: WORKSPACE_ROOT,
    env: { PATH: process.env.PATH, PORT: String(port), BODY_FILE: bodyFile, CONTENT_TYPE: contentType, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}/v1/products/bench`;
  await waitUntil('bare Fastify to listen', () => fetch(url).then((r) => r.ok, () => false), Boolean, { timeoutMs: 60_000, intervalMs: 200 });
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

export async function measureRead(): Promise<ReadResult> {
  const seed = readResult<Seed>('seed');
  if (!seed) throw new Error('no seed: run the seed step first');
  const id = seed.productIds[0];

  log('product-service copy, telemetry on (production default sampler)');
  const on = await productCopy({ RATE_LIMIT_KEY_PREFIX: `bench-${seed.run}` });
  const url = `${on.proc.baseUrl}/v1/products/${id}`;
  await fetch(url); // the first read fills the cache
  const answer = await fetch(url);
  const body = await answer.text();
  if (!answer.ok) throw new Error(`GET ${url}: ${answer.status} ${body}`);
  const serviceMax = await saturate(url);
  const serviceHalf = await atHalf(url, serviceMax);
  await on.proc.stop();
  const copyEnvironment = Object.entries(on.env)
    .filter(([name]) => /^(NODE_ENV|RATE_LIMIT_|OTEL_|LOG_LEVEL)/.test(name))
    .map(([name, value]) => `${name}=${value}`);

  log('product-service copy, telemetry off (OTEL_SDK_DISABLED=true)');
  const off = await productCopy({ RATE_LIMIT_KEY_PREFIX: `bench-${seed.run}-off`, OTEL_SDK_DISABLED: 'true' });
  await fetch(`${off.proc.baseUrl}/v1/products/${id}`);
  const offMax = await saturate(`${off.proc.baseUrl}/v1/products/${id}`);
  await off.proc.stop();

  log('bare Fastify, the same body');
  const bare = await bareFastify(body, answer.headers.get('content-type') ?? 'application/json; charset=utf-8');
  const bareMax = await saturate(bare.url);
  const bareHalf = await atHalf(bare.url, bareMax);
  await bare.stop();

  const result: ReadResult = {
    productBytes: Buffer.byteLength(body),
    service: { max: serviceMax, half: serviceHalf },
    telemetryOff: { max: offMax },
    bare: { max: bareMax, half: bareHalf },
    copyEnvironment,
  };
  writeResult('read', result);
  return result;
}
