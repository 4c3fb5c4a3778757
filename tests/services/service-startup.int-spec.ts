import { serviceEnv, spawnService, type ServiceProcess, waitUntil } from '@ecotrack/testing';

const infra = (service = 'product-service') => serviceEnv(process.env as Record<string, string>, service);

describe('service start-up', () => {
  let proc: ServiceProcess | undefined;
  afterEach(async () => {
    await proc?.stop('SIGKILL');
    proc = undefined;
  });

  it.each([
    ['missing', { DATABASE_URL: undefined }, 'DATABASE_URL: is required but not set'],
    ['invalid', { PORT: 'eighty' }, 'PORT:'],
    ['invalid', { KAFKA_BROKERS: 'kafka' }, 'KAFKA_BROKERS: expected a comma-separated list of host:port'],
    ['invalid', { REDIS_URL: 'http://127.0.0.1:6379' }, 'REDIS_URL: expected a URL starting with redis:// or rediss://'],
  ])('a %s variable stops start-up with a message naming it (%o)', async (_kind, override, message) => {
    proc = spawnService('product-service', 13102, { ...infra(), ...override });
    expect(await proc.exited).toBe(78);
    expect(proc.stderr.join('\n')).toContain(message);
  });

  it('order-service requires its own variable too', async () => {
    proc = spawnService('order-service', 13103, serviceEnv(process.env as Record<string, string>, 'order-service'));
    expect(await proc.exited).toBe(78);
    expect(proc.stderr.join('\n')).toContain('PRODUCT_SERVICE_URL: is required but not set');
  });

  it('waits for a dependency with bounded retries, is unready meanwhile, then gives up', async () => {
    const waiting = spawnService('product-service', 13104, {
      ...infra(),
      REDIS_URL: 'redis://:x@127.0.0.1:1', // nothing listens on port 1
      DEPENDENCY_WAIT_ATTEMPTS: '4',
      DEPENDENCY_WAIT_MAX_DELAY_MS: '400',
    });
    proc = waiting;
    // Readiness while it waits, or "exited" once it gave up: it must have answered 503 before that.
    const readiness = async () => (waiting.child.exitCode !== null ? 'exited' : await fetch(`${waiting.baseUrl}/health/ready`).then((r) => String(r.status), () => 'no answer'));
    const answer = await waitUntil('readiness to answer 503 (or the process to exit)', readiness, (seen) => seen === '503' || seen === 'exited', { timeoutMs: 25_000 });
    expect(answer).toBe('503');
    expect(await waiting.exited).toBe(1);
    const logs = waiting.stdout.join('\n');
    // The others are waited for concurrently and come up; only redis is missing.
    expect(logs).toContain('postgres is up');
    expect(logs).toContain('kafka is up');
    expect(logs).toMatch(/waiting for redis \(attempt 1\/4\): (\w+: )?connect ECONNREFUSED 127\.0\.0\.1:1/);
    expect(logs).toMatch(/waiting for redis \(attempt 3\/4\)/);
    expect(logs).toContain('gave up waiting for redis after 4 attempts');
  }, 30_000);

  it('becomes ready once its dependencies answer', async () => {
    proc = spawnService('product-service', 13105, infra());
    await proc.waitUntilReady();
    const ready = await fetch(`${proc.baseUrl}/health/ready`).then((r) => r.json());
    // Ready means its consumers joined their groups too (the saga's commands, the cache's events).
    expect(ready).toEqual({
      status: 'ok',
      checks: { postgres: 'up', redis: 'up', kafka: 'up', openbao: 'up', 'consumer:product-service': 'up', 'consumer:product-service-cache': 'up' },
    });
    expect(await fetch(`${proc.baseUrl}/health/live`).then((r) => r.status)).toBe(200);
  }, 60_000);

  it('a service that consumes nothing serves without Kafka (messages wait in the outbox): ready, reported degraded, kafka down', async () => {
    proc = spawnService('user-service', 13107, { ...infra('user-service'), KAFKA_BROKERS: '127.0.0.1:1' });
    await proc.waitUntilReady();
    const response = await fetch(`${proc.baseUrl}/health/ready`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { status: string; checks: Record<string, string> };
    expect(body).toMatchObject({ status: 'degraded', checks: { postgres: 'up', redis: 'up' } });
    expect(body.checks.kafka).toMatch(/^down: /);
  }, 60_000);

  it('a service whose consumers never joined their groups is not ready, and says which group, since when and why', async () => {
    proc = spawnService('product-service', 13108, { ...infra(), KAFKA_BROKERS: '127.0.0.1:1' });
    const groups = ['product-service', 'product-service-cache'];
    const last = await waitUntil(
      'each consumer to have tried Kafka',
      async () => {
        const response = await fetch(`${proc!.baseUrl}/health/ready`).catch(() => undefined);
        return response ? { status: response.status, checks: ((await response.json()) as { checks?: Record<string, string> }).checks ?? {} } : { status: 0, checks: {} };
      },
      (ready) => groups.every((group) => /last error/.test(ready.checks[`consumer:${group}`] ?? '')),
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(last.status).toBe(503);
    for (const group of groups) {
      expect(last.checks[`consumer:${group}`]).toMatch(new RegExp(`^down: not in group ${group} yet \\(waiting since \\S+Z\\); last error at \\S+Z: .*ECONNREFUSED 127\\.0\\.0\\.1:1`));
    }
    expect(last.checks).toMatchObject({ postgres: 'up', redis: 'up', openbao: 'up' });
  }, 90_000);
});
