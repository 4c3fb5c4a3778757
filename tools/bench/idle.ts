import { SERVICES, type ServiceName } from '@ecotrack/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import { log, PLAN, readResult, serviceUrl, writeResult } from './context';
import { Customer, type Seed } from './customers';
import { placeOne } from './orders';
import { cpuSeconds, rssMiB, servicePid } from './proc';
import { round } from './stats';

/** After the warm-up, how long nothing is sent before the sampling window opens. */
const SETTLE_MS = 5_000;

export interface Idle {
  service: ServiceName;
  cpuPercent: number;
  rssMiB: number;
}

/** Every service serves: a login, product reads, one order through the whole saga. */
async function warmUp(seed: Seed): Promise<void> {
  const customer = new Customer(seed.warmUp);
  await customer.login();
  for (let i = 0; i < 10; i++) await customer.request('GET', `${serviceUrl('product-service')}/v1/products/${seed.productIds[i % seed.productIds.length]}`);
  await placeOne(customer, seed.productIds, 0);
  customer.close();
}

/** CPU (% of one core, from /proc/<pid>/stat over the window) and RSS (VmRSS at its end) of each idle service. */
export async function measureIdle(): Promise<Idle[]> {
  const seed = readResult<Seed>('seed');
  if (!seed) throw new Error('no seed: run the seed step first');
  await warmUp(seed);
  await sleep(SETTLE_MS);
  log(`idle: ${PLAN.idleSeconds} s without traffic`);
  const pids = SERVICES.map((service) => ({ service, pid: servicePid(service) }));
  const before = pids.map(({ pid }) => cpuSeconds(pid));
  const started = Date.now();
  await sleep(PLAN.idleSeconds * 1_000);
  const seconds = (Date.now() - started) / 1_000;
  const results = pids.map(({ service, pid }, i) => ({ service, cpuPercent: round(((cpuSeconds(pid) - before[i]) / seconds) * 100, 2), rssMiB: round(rssMiB(pid), 0) }));
  writeResult('idle', results);
  return results;
}
