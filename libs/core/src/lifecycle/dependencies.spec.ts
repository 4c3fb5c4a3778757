import { Logger } from '@nestjs/common';
import { DependencyDegraded, DependencyRegistry, type DependencyCheck } from './dependencies';

/** A dependency that refuses the first `failures` checks. */
function flaky(name: string, failures: number): DependencyCheck & { calls: number } {
  return {
    name,
    calls: 0,
    async check() {
      this.calls++;
      if (this.calls <= failures) throw new Error('ECONNREFUSED');
    },
  };
}

describe('DependencyRegistry', () => {
  let warnings: string[];
  beforeEach(() => {
    warnings = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => void warnings.push(String(message)));
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('waits for each dependency with growing, capped delays and says what it waits for', async () => {
    const registry = new DependencyRegistry();
    const postgres = flaky('postgres', 3);
    registry.register(postgres);
    await registry.waitForAll({ attempts: 5, maxDelayMs: 4, firstDelayMs: 1 });
    expect(postgres.calls).toBe(4);
    expect(warnings).toEqual([
      'waiting for postgres (attempt 1/5): ECONNREFUSED; next try in 1 ms',
      'waiting for postgres (attempt 2/5): ECONNREFUSED; next try in 2 ms',
      'waiting for postgres (attempt 3/5): ECONNREFUSED; next try in 4 ms',
    ]);
  });

  it('gives up after the bounded number of attempts, naming the dependency', async () => {
    const registry = new DependencyRegistry();
    registry.register(flaky('kafka', 100));
    await expect(registry.waitForAll({ attempts: 3, maxDelayMs: 1, firstDelayMs: 1 })).rejects.toThrow(
      'gave up waiting for kafka after 3 attempts: ECONNREFUSED',
    );
  });

  it('probes all dependencies and reports the reason of those that are down', async () => {
    const registry = new DependencyRegistry();
    registry.register(flaky('postgres', 0));
    registry.register(flaky('redis', 1));
    expect(await registry.probe()).toEqual({ postgres: 'up', redis: 'down: ECONNREFUSED' });
  });
});

describe('DependencyRegistry: readiness-only and degraded checks', () => {
  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('start-up does not wait for a readiness-only check (what it watches starts later); readiness does', async () => {
    const registry = new DependencyRegistry();
    const postgres = flaky('postgres', 0);
    const consumer = { ...flaky('consumer:orders', 1_000), readinessOnly: true };
    registry.register(postgres);
    registry.register(consumer);
    await registry.waitForAll({ attempts: 1, maxDelayMs: 1 });
    expect(consumer.calls).toBe(0);
    const states = await registry.probe();
    expect(states).toEqual({ postgres: 'up', 'consumer:orders': 'down: ECONNREFUSED' });
    expect(registry.servable(states)).toBe(false);
  });

  it('a check throwing DependencyDegraded is reported degraded and does not make the service unservable', async () => {
    const registry = new DependencyRegistry();
    registry.register({
      name: 'consumer:orders',
      readinessOnly: true,
      check: async () => {
        throw new DependencyDegraded('Kafka does not answer');
      },
    });
    registry.register({ name: 'kafka', critical: false, check: async () => Promise.reject(new Error('ECONNREFUSED')) });
    const states = await registry.probe();
    expect(states).toEqual({ 'consumer:orders': 'degraded: Kafka does not answer', kafka: 'down: ECONNREFUSED' });
    expect(registry.servable(states)).toBe(true);
  });
});
