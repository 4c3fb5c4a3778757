import { cpuHog, SERVICES, temporaryKafka, type ServiceName, type TemporaryKafka, waitUntil } from '@ecotrack/testing';
import { newCustomer, newProduct, placeOrder, startSagaWorld, waitForOrders, type SagaWorld } from './support';

/** The services with consumers, and their groups: ready only once each joined. */
const CONSUMER_GROUPS: Partial<Record<ServiceName, string[]>> = {
  'product-service': ['product-service', 'product-service-cache'],
  'order-service': ['order-service'],
  'payment-service': ['payment-service'],
  'notification-service': ['notification-service'],
};

/**
 * A first boot as a new user meets it, on a slow machine: a Kafka that has never run (no
 * __consumer_offsets, so no group coordinator for a while after it starts), the five services
 * started before it, pinned to one core that a CPU hog keeps busy. The first join of every
 * consumer fails (Kafka absent, then "Failed to find group coordinator"); they must come back,
 * readiness must wait for them, and the first order placed once everything says ready is CONFIRMED.
 * PostgreSQL, Redis and OpenBao are the stack's; everything started here is removed, also on failure.
 */
describe('cold first boot on a slow machine (a Kafka that never ran, services started first)', () => {
  let kafka: TemporaryKafka;
  let hog: { kill(): void } | undefined;
  let world: SagaWorld | undefined;

  afterAll(async () => {
    await world?.close();
    hog?.kill();
    await kafka?.destroy();
  }, 120_000);

  const readinessOf = async (url: string) => {
    const response = await fetch(`${url}/health/ready`).catch(() => undefined);
    return response ? ((await response.json().catch(() => ({}))) as { checks?: Record<string, string> }) : {};
  };

  it('every consumer joins once Kafka is there, readiness waits for them, and the first order is CONFIRMED', async () => {
    kafka = await temporaryKafka();
    hog = cpuHog(0);
    let readinessBeforeKafka: Record<string, Record<string, string>> = {};
    world = await startSagaWorld(
      { KAFKA_BROKERS: kafka.brokers, SAGA_STEP_TIMEOUT_MS: '60000' },
      {
        launcher: ['taskset', '-c', '0'],
        readyTimeoutMs: 420_000,
        // Every consumer has started and failed to reach Kafka (readiness names its last error): only now Kafka starts.
        afterLaunch: async (url) => {
          readinessBeforeKafka = await waitUntil(
            'every consumer to have tried Kafka',
            async () =>
              Object.fromEntries(
                await Promise.all(Object.keys(CONSUMER_GROUPS).map(async (service) => [service, (await readinessOf(url(service as ServiceName))).checks ?? {}] as const)),
              ) as Record<string, Record<string, string>>,
            (readiness) => Object.entries(CONSUMER_GROUPS).every(([service, groups]) => groups.every((group) => /last error/.test(readiness[service][`consumer:${group}`] ?? ''))),
            { timeoutMs: 300_000, intervalMs: 1_000 },
          );
          await kafka.start();
        },
      },
    );
    for (const [service, groups] of Object.entries(CONSUMER_GROUPS)) {
      for (const group of groups) expect(readinessBeforeKafka[service][`consumer:${group}`]).toMatch(new RegExp(`^down: not in group ${group} yet .*; last error at `));
    }

    // Each consumer failed before Kafka was there, so each joined only after restarting: counted.
    for (const [service, groups] of Object.entries(CONSUMER_GROUPS)) {
      const metrics = await fetch(`${world.platform.url(service as ServiceName)}/metrics`).then((r) => r.text());
      for (const group of groups) {
        const restarts = [...metrics.matchAll(new RegExp(`^ecotrack_consumer_restarts_total\\{group="${group}",reason="(\\w+)"[^}]*\\} (\\d+)`, 'gm'))].map((m) => `${m[1]}=${m[2]}`);
        console.info(`cold boot: ${group} restarts before joining: ${restarts.join(', ')}`);
        expect(restarts.reduce((sum, r) => sum + Number(r.split('=')[1]), 0)).toBeGreaterThanOrEqual(1);
      }
    }

    // Every service said ready: place an order at once.
    const customer = await newCustomer(world);
    const product = await newProduct(world, 3);
    const order = await placeOrder(world, customer, [{ productId: product, quantity: 1 }]);
    const [row] = await waitForOrders(world, [order.id], ['CONFIRMED', 'REJECTED'], 300_000);
    expect(row).toMatchObject({ status: 'CONFIRMED', rejection_reason: null });
    for (const service of SERVICES) {
      expect({ service, ready: (await fetch(`${world.platform.url(service)}/health/ready`)).status }).toEqual({ service, ready: 200 });
    }
  }, 900_000);
});
