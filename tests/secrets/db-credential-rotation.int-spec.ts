import { freePort, serviceEnv, spawnService, type ServiceProcess } from '@ecotrack/testing';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Dynamic database logins rotate under steady load without a failed request.
 *
 * product-service runs as a real process with nothing but OpenBao's address and its
 * AppRole for secrets; DATABASE_URL names only server and database. Every request
 * is a cache miss (a fresh search term), so each one queries PostgreSQL.
 *
 * The suite's run is short (75 s, leases of 10 s, renewable to 20 s: about five
 * rotations). `./ecotrack soak db-credentials` runs the same test for 5 minutes with
 * 60 s leases (ECOTRACK_SOAK_SECONDS, ECOTRACK_SOAK_TTL, ECOTRACK_SOAK_MAX_TTL).
 */
const seconds = Number(process.env.ECOTRACK_SOAK_SECONDS ?? 75);
const ttl = Number(process.env.ECOTRACK_SOAK_TTL ?? 10);
const maxTtl = Number(process.env.ECOTRACK_SOAK_MAX_TTL ?? 20);
const concurrency = 4;

const env = process.env as Record<string, string>;
const bao = (path: string, init: RequestInit = {}) =>
  fetch(`${env.OPENBAO_ADDR}/v1/${path}`, {
    ...init,
    headers: { 'X-Vault-Token': env.OPENBAO_DEV_ROOT_TOKEN, 'Content-Type': 'application/json' },
  });

async function roleTtls(): Promise<{ default_ttl: number; max_ttl: number }> {
  const response = await bao('database/roles/product-service');
  expect(response.status).toBe(200);
  return ((await response.json()) as { data: { default_ttl: number; max_ttl: number } }).data;
}

/** The operator's side: the role's lease length (the service's policy cannot change it). */
async function setRoleTtls(defaultTtl: number, max: number): Promise<void> {
  const current = ((await (await bao('database/roles/product-service')).json()) as { data: Record<string, unknown> }).data;
  const response = await bao('database/roles/product-service', {
    method: 'POST',
    body: JSON.stringify({ ...current, default_ttl: defaultTtl, max_ttl: max }),
  });
  expect(response.status).toBe(204);
}

function metric(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && labels.split(',').every((label) => l.includes(label)));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('dynamic database credentials', () => {
  let proc: ServiceProcess | undefined;
  let restore: { default_ttl: number; max_ttl: number } | undefined;

  beforeAll(async () => {
    restore = await roleTtls();
    await setRoleTtls(ttl, maxTtl);
  });
  afterAll(async () => {
    await proc?.stop('SIGTERM');
    if (restore) await setRoleTtls(restore.default_ttl, restore.max_ttl);
  });

  it(`rotate repeatedly under ${seconds} s of steady load with zero failed requests`, async () => {
    const given = serviceEnv(env, 'product-service');
    const port = await freePort();
    proc = spawnService('product-service', port, {
      ...given,
      // Server and database only: the login comes from OpenBao.
      DATABASE_URL: given.DATABASE_URL.replace(/\/\/[^@/]*@/, '//'),
      REDIS_URL: undefined, // from the service's KV entry
      OPENBAO_ROLE: 'product-service',
      OPENBAO_ENVIRONMENT: 'local',
      // The load comes from one IP at a steady ~80 requests/s: over the per-IP limit by design.
      RATE_LIMIT_ENABLED: 'false',
      SHUTDOWN_DRAIN_DELAY_MS: '0',
    });
    await proc.waitUntilReady(60_000);
    const ready = (await (await fetch(`${proc.baseUrl}/health/ready`)).json()) as { checks: Record<string, string> };
    expect(ready.checks).toMatchObject({ postgres: 'up', openbao: 'up' });

    const outcomes = new Map<string, number>();
    const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    const deadline = Date.now() + seconds * 1000;
    const worker = async () => {
      while (Date.now() < deadline) {
        try {
          const response = await fetch(`${proc!.baseUrl}/v1/products/search?q=soak${randomUUID().slice(0, 8)}`);
          await response.arrayBuffer();
          count(String(response.status));
        } catch (error) {
          count(`error: ${(error as Error).message}`);
        }
        await sleep(40);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));

    const metrics = await (await fetch(`${proc.baseUrl}/metrics`)).text();
    const rotated = proc.stdout.filter((line) => line.includes('database credentials rotated')).length;
    const total = [...outcomes.values()].reduce((a, b) => a + b, 0);
    const failed = total - (outcomes.get('200') ?? 0);
    process.stdout.write(
      `[soak] ${seconds} s, leases ${ttl} s (max ${maxTtl} s): ${total} requests, ${failed} failed, ` +
        `${rotated} rotations, renewals+rotations ok ${metric(metrics, 'ecotrack_secrets_rotations_total', 'kind="database",result="success"')}, ` +
        `failures ${metric(metrics, 'ecotrack_secrets_rotations_total', 'kind="database",result="failure"')}; outcomes ${JSON.stringify(Object.fromEntries(outcomes))}\n`,
    );
    expect(Object.fromEntries(outcomes)).toEqual({ '200': total });
    expect(total).toBeGreaterThan(seconds * 10);
    // Rotations: at least one per max lease, less the first.
    expect(rotated).toBeGreaterThanOrEqual(Math.floor(seconds / maxTtl) - 1);
    expect(metric(metrics, 'ecotrack_secrets_rotations_total', 'kind="database",result="failure"')).toBe(0);
    expect(metric(metrics, 'ecotrack_secrets_lease_ttl_seconds', 'kind="database"')).toBeGreaterThan(0);
  }, (seconds + 120) * 1000);
});
