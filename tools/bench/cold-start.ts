import { SERVICES, WORKSPACE_ROOT, type ServiceName } from '@ecotrack/testing';
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import path from 'node:path';
import { log, services, serviceUrl, writeResult } from './context';
import { serviceStartedAt } from './proc';

const run = promisify(execFile);
const POLL_MS = 20;

export interface ColdStart {
  service: ServiceName;
  liveMs: number;
  readyMs: number;
}

const answers = (url: string) =>
  fetch(url, { signal: AbortSignal.timeout(1_000) }).then(
    (response) => response.status === 200,
    () => false,
  );

/**
 * With its dependencies up, one service is stopped and started again exactly as the stack starts it
 * (tools/run/services.sh up <service>); from its process's start time (recorded by the supervisor) to
 * the first 200 of /health/live and of /health/ready, polled every 20 ms. The service stays running.
 */
async function coldStart(service: ServiceName): Promise<ColdStart> {
  services('down', service);
  const starting = run('bash', [path.join(WORKSPACE_ROOT, 'tools/run/services.sh'), 'up', service], { env: process.env });
  let live: number | undefined;
  let ready: number | undefined;
  let failure: unknown;
  starting.catch((error: unknown) => (failure = error));
  for (const deadline = Date.now() + 120_000; ready === undefined && failure === undefined && Date.now() < deadline; await sleep(POLL_MS)) {
    if (live === undefined && (await answers(`${serviceUrl(service)}/health/live`))) live = Date.now();
    if (live !== undefined && (await answers(`${serviceUrl(service)}/health/ready`))) ready = Date.now();
  }
  await starting;
  if (live === undefined || ready === undefined) throw new Error(`${service} did not become ready`);
  const started = serviceStartedAt(service);
  return { service, liveMs: live - started, readyMs: ready - started };
}

export async function measureColdStart(): Promise<ColdStart[]> {
  const results: ColdStart[] = [];
  for (const service of SERVICES) {
    results.push(await coldStart(service));
    log(`cold start ${service}: live ${results[results.length - 1].liveMs} ms, ready ${results[results.length - 1].readyMs} ms`);
  }
  writeResult('cold-start', results);
  return results;
}
