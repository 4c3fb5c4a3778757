import { topics } from '@ecotrack/events';
import { deleteRecordsThrough, produceUndecodableBatch, waitUntil } from '@ecotrack/testing';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { newCustomer, newProduct, placeOrder, startSagaWorld, stockAccount, waitForOrders, type SagaWorld } from './support';

/**
 * A running consumer crashes in a way kafkajs itself never restarts (a record batch it cannot
 * decode, written to product.commands by a foreign producer): product-service's consumer keeps
 * coming back, its readiness says it is down and why, and once an operator has deleted the bad
 * batch it consumes on, and an order placed meanwhile is CONFIRMED.
 */
describe('a non-retriable crash of product-service\'s running consumer (five services, Kafka, PostgreSQL)', () => {
  const GROUP = 'product-service';
  let world: SagaWorld;
  let kafka: Kafka;
  let admin: Admin;

  beforeAll(async () => {
    world = await startSagaWorld({
      // The order waits at "reserve inventory" while the consumer is down: its step must outlast that.
      SAGA_STEP_TIMEOUT_MS: '120000',
      // Out of its group at all: not ready (production waits 60 s for rebalances), so the dip shows at once.
      CONSUMER_READINESS_GRACE_MS: '0',
      CONSUMER_RESTART_MAX_DELAY_MS: '4000',
    });
    kafka = new Kafka({ clientId: 'consumer-crash-test', brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
  }, 240_000);
  afterAll(async () => {
    await admin?.disconnect();
    await world?.close();
  });

  const readiness = async () => {
    const response = await fetch(`${world.platform.url('product-service')}/health/ready`);
    return { status: response.status, body: (await response.json()) as { checks?: Record<string, string> } };
  };
  const crashes = async () => {
    const text = await fetch(`${world.platform.url('product-service')}/metrics`).then((r) => r.text());
    return Number(new RegExp(`^ecotrack_consumer_restarts_total\\{group="${GROUP}",reason="crash",service="product-service"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  };
  /** Everything the group has to read on product.commands is read: nothing of anyone's is behind the batch we add. */
  const drained = async () => {
    const [committed] = await admin.fetchOffsets({ groupId: GROUP, topics: [topics.product.commands] });
    const ends = await admin.fetchTopicOffsets(topics.product.commands);
    return ends.every((end) => committed.partitions.find((p) => p.partition === end.partition)?.offset === end.high || end.high === end.low);
  };
  it('it comes back by itself, readiness dips with the reason and recovers, and an order placed meanwhile is CONFIRMED', async () => {
    const customer = await newCustomer(world);
    const product = await newProduct(world, 5);
    expect((await readiness()).status).toBe(200);
    await waitUntil('product-service to have read all of product.commands', drained, Boolean, { timeoutMs: 120_000, intervalMs: 250 });
    const crashesBefore = await crashes();

    const bad = await produceUndecodableBatch(kafka, topics.product.commands, 0, [{ key: 'foreign-producer', value: 'a Snappy batch' }]);
    const down = await waitUntil('readiness 503 naming the crash', readiness, (r) => r.status === 503 && /Snappy compression not implemented/.test(r.body.checks?.[`consumer:${GROUP}`] ?? ''), { timeoutMs: 120_000, intervalMs: 250 });
    expect(down.body.checks?.[`consumer:${GROUP}`]).toMatch(new RegExp(`^down: out of group ${GROUP} since \\S+Z \\(grace 0 ms\\); last error at \\S+Z: Snappy compression not implemented$`));
    // The other consumer of product-service (its cache, on product.events) is unaffected.
    expect(down.body.checks?.['consumer:product-service-cache']).toBe('up');

    const order = await placeOrder(world, customer, [{ productId: product, quantity: 2 }]);
    await waitUntil('the consumer to crash again and again', crashes, (n) => n >= crashesBefore + 2, { timeoutMs: 120_000, intervalMs: 250 });
    const { rows } = await world.db.orders.query('SELECT status FROM orders WHERE id = $1', [order.id]);
    expect(rows).toEqual([{ status: 'PENDING' }]); // waiting, not rejected

    // The operator's fix (docs/runbooks/EcoTrackConsumerOutOfGroup.md): delete the batch nobody can read.
    await deleteRecordsThrough(kafka, topics.product.commands, 0, bad);
    await waitUntil('readiness 200 again', readiness, (r) => r.status === 200, { timeoutMs: 120_000, intervalMs: 250 });
    const [row] = await waitForOrders(world, [order.id], ['CONFIRMED', 'REJECTED'], 180_000);
    expect(row).toMatchObject({ status: 'CONFIRMED', rejection_reason: null });
    expect(await stockAccount(world, product)).toEqual({ available: 3, reserved: 0, sold: 2, total: 5 });
    expect((await readiness()).body.checks?.[`consumer:${GROUP}`]).toBe('up');
  }, 360_000);
});
