import { createEnvelope, messageHeaders, topics } from '@ecotrack/events';
import { stackComponent, type ServiceName, waitUntil } from '@ecotrack/testing';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import {
  interruptedNotifications,
  mailCounts,
  newCustomer,
  newProduct,
  notificationsSettled,
  paymentsOf,
  placeOrder,
  startSagaWorld,
  stockAccount,
  waitForOrders,
  type Customer,
  type SagaWorld,
} from './support';

/**
 * The fault matrix: at least 100 orders in flight, something breaks, it comes back. Afterwards
 * every order is CONFIRMED or REJECTED, every product's units are all accounted for, the money
 * captured is exactly the confirmed orders' total, and no event notified anyone twice.
 */
/** Orders neither CONFIRMED nor REJECTED when the fault strikes: at least this many. */
const IN_FLIGHT = 100;
/** Placing stops at this many in flight, so that IN_FLIGHT still hold once the last requests are answered. */
const STOP_PLACING_AT = IN_FLIGHT + 15;
/** The saga outran the placement if this many orders never had IN_FLIGHT at once: the test fails. */
const MAX_ORDERS = 400;
/**
 * Orders placed at once. Since the consumer handles keys side by side and kafkajs no longer spins,
 * a saga finishes fast enough that 8 placers kept fewer than IN_FLIGHT open (87 of 250).
 */
const PLACERS = 16;
/** 4 products of this stock: more orders than units, so some are rejected as out of stock. */
const STOCK_PER_PRODUCT = 20;

interface Batch {
  orders: string[];
  products: { id: string; initial: number }[];
  /** Orders of the batch not yet final the moment the fault struck. */
  inFlightAtFault: number;
}

describe('order saga fault matrix (at least 100 orders in flight each)', () => {
  let world: SagaWorld;
  let customers: Customer[];
  let kafka: Kafka;
  let producer: Producer;

  beforeAll(async () => {
    world = await startSagaWorld();
    customers = await Promise.all([0, 1, 2, 3].map((i) => newCustomer(world, `fault${i}`)));
    kafka = new Kafka({ clientId: 'fault-tests', brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
    producer = kafka.producer();
    await producer.connect();
  }, 240_000);
  afterAll(async () => {
    await producer?.disconnect();
    await world?.close();
  });

  async function progress(orders: string[]): Promise<{ inFlight: number; done: number }> {
    const { rows } = await world.db.orders.query(
      `SELECT count(*) FILTER (WHERE status NOT IN ('CONFIRMED', 'REJECTED'))::int AS "inFlight",
              count(*) FILTER (WHERE status IN ('CONFIRMED', 'REJECTED'))::int AS done
         FROM orders WHERE id = ANY($1::uuid[])`,
      [orders],
    );
    return rows[0];
  }

  /**
   * Places orders over 4 products (PLACERS at a time; every 10th pays with a declined card) until more
   * than IN_FLIGHT are in flight and the sagas are moving (one finished), stops placing, waits for
   * the requests under way, and strikes: the fault hits mid-saga with at least IN_FLIGHT orders open
   * (asserted). Placing stops first because an order placed while order-service dies could exist
   * without the test knowing it, and its units would be missing from the stock account.
   */
  async function placeBatchAndStrike(strike: () => Promise<void> | void): Promise<Batch> {
    const products = await Promise.all([0, 1, 2, 3].map(async () => ({ id: await newProduct(world, STOCK_PER_PRODUCT, 700), initial: STOCK_PER_PRODUCT })));
    const orders: string[] = [];
    let next = 0;
    let stop = false;
    const placing = Promise.all(
      Array.from({ length: PLACERS }, async () => {
        while (!stop && next < MAX_ORDERS) {
          const i = next++;
          const token = i % 10 === 9 ? 'pm_card_chargeDeclined' : 'pm_card_visa';
          const order = await placeOrder(world, customers[i % customers.length], [{ productId: products[i % products.length].id, quantity: 1 }], token);
          orders.push(order.id);
        }
      }),
    );
    let placed = false;
    void placing.then(() => (placed = true), () => (placed = true));
    while (!placed) {
      const { inFlight, done } = await progress(orders);
      if (inFlight >= STOP_PLACING_AT && done > 0) stop = true;
      await sleep(100);
    }
    await placing;
    await waitUntil('an order of the batch to finish', () => progress(orders), (p) => p.done > 0, { timeoutMs: 60_000, intervalMs: 250 });
    const { inFlight: inFlightAtFault } = await progress(orders);
    console.info(`${expect.getState().currentTestName}: ${orders.length} orders placed, ${inFlightAtFault} in flight when the fault struck`);
    if (inFlightAtFault < IN_FLIGHT) throw new Error(`only ${inFlightAtFault} of ${orders.length} orders in flight when the fault was due (at least ${IN_FLIGHT} needed)`);
    await strike();
    return { orders, products, inFlightAtFault };
  }

  /** Everything the issue asks to hold once the system has recovered. */
  async function expectRecovered(batch: Batch): Promise<void> {
    expect(batch.inFlightAtFault).toBeGreaterThanOrEqual(IN_FLIGHT);
    const rows = await waitForOrders(world, batch.orders, ['CONFIRMED', 'REJECTED'], 240_000);
    const confirmed = rows.filter((row) => row.status === 'CONFIRMED');
    const rejected = rows.filter((row) => row.status === 'REJECTED');
    expect(confirmed.length).toBeGreaterThan(0);
    expect(rejected.length).toBeGreaterThan(0);

    for (const product of batch.products) {
      const account = await stockAccount(world, product.id);
      expect({ product: product.id, ...account }).toEqual({ product: product.id, available: product.initial - account.sold, reserved: 0, sold: account.sold, total: product.initial });
    }
    const sold = (await Promise.all(batch.products.map((p) => stockAccount(world, p.id)))).reduce((sum, a) => sum + a.sold, 0);
    expect(sold).toBe(confirmed.length);

    // Money: one captured payment per confirmed order and none for any other, the same total. At
    // Stripe: each captured payment captured under one idempotency key (however often resent); a
    // capture of any other payment only where a compensation came too late to void it (the step
    // timed out while the capture went through): that payment is REFUNDED, its refund sent too.
    const payments = await paymentsOf(world, batch.orders);
    const captured = payments.filter((p) => p.status === 'CAPTURED');
    expect(captured.map((p) => p.orderId).sort()).toEqual(confirmed.map((row) => row.id).sort());
    expect(captured.reduce((sum, p) => sum + p.amountCents, 0)).toBe(confirmed.reduce((sum, row) => sum + Number(row.total_cents), 0));
    const byId = new Map(payments.map((p) => [p.id, p]));
    const sentToStripe = (operation: string) =>
      new Set(world.front.requests.map((r) => r.idempotencyKey ?? '').filter((key) => key.endsWith(`:${operation}`) && byId.has(key.split(':')[0])).map((key) => key.split(':')[0]));
    const capturedAtStripe = sentToStripe('capture');
    const refundedAtStripe = sentToStripe('refund');
    expect(captured.filter((p) => !capturedAtStripe.has(p.id))).toEqual([]);
    const capturedThenRefunded = [...capturedAtStripe].map((id) => byId.get(id)!).filter((p) => p.status !== 'CAPTURED');
    expect(capturedThenRefunded.filter((p) => p.status !== 'REFUNDED' || !refundedAtStripe.has(p.id))).toEqual([]);
    if (capturedThenRefunded.length) console.info(`${expect.getState().currentTestName}: ${capturedThenRefunded.length} payments captured after their step timed out, then refunded`);

    // No event notified twice, counted where it shows: the mails Mailpit received once nothing is
    // left to send. Every order got its outcome mail and every captured payment its receipt, at most
    // once each; a send cut short by a crash (notification-service killed) is failed as interrupted
    // and not resent, so its mail may be missing, never doubled.
    // One outcome per order, one receipt per captured payment (refunded ones add theirs).
    const ids = [...batch.orders, ...payments.map((p) => p.id)];
    await notificationsSettled(world, ids, batch.orders.length + captured.length);
    const interrupted = await interruptedNotifications(world, ids);
    const mails = await mailCounts(world);
    const expectedMails = [
      ...confirmed.map((o) => ({ id: o.id, subject: 'Your order is confirmed', other: 'Your order could not be completed' })),
      ...rejected.map((o) => ({ id: o.id, subject: 'Your order could not be completed', other: 'Your order is confirmed' })),
      ...captured.map((p) => ({ id: p.id, subject: 'Payment receipt', other: undefined })),
    ];
    const wrong = expectedMails.flatMap(({ id, subject, other }) => {
      const n = mails.get(`${subject}|${id}`) ?? 0;
      const others = other ? (mails.get(`${other}|${id}`) ?? 0) : 0;
      return n > 1 || others > 0 || (n === 0 && !interrupted.has(id)) ? [`${id}: ${n} × "${subject}", ${others} × the other outcome`] : [];
    });
    expect(wrong).toEqual([]);
    // And nothing else about these orders and payments (refunds included) arrived twice.
    const batchIds = new Set([...batch.orders, ...payments.map((p) => p.id)]);
    expect([...mails].filter(([key, n]) => n > 1 && batchIds.has(key.split('|')[1]))).toEqual([]);
    if (interrupted.size) console.info(`${expect.getState().currentTestName}: ${interrupted.size} notifications interrupted by the crash (failed, not resent)`);
  }

  it.each(['product-service', 'payment-service', 'order-service', 'notification-service'] as ServiceName[])(
    'kill -9 of %s mid-saga, then restart',
    async (service) => {
      const batch = await placeBatchAndStrike(async () => {
        await world.platform.kill(service);
        await sleep(2_000);
        await world.platform.restart(service);
      });
      await expectRecovered(batch);
    },
    420_000,
  );

  it('Kafka broker crash (kill -9) and restart', async () => {
    const batch = await placeBatchAndStrike(async () => {
      stackComponent('kill', 'kafka');
      await sleep(3_000);
      stackComponent('start', 'kafka');
    });
    await expectRecovered(batch);
  }, 420_000);

  it('PostgreSQL crash (immediate shutdown) and restart', async () => {
    const batch = await placeBatchAndStrike(async () => {
      stackComponent('kill', 'postgres');
      await sleep(3_000);
      stackComponent('start', 'postgres');
    });
    await expectRecovered(batch);
  }, 420_000);

  it('duplicated and reordered messages: every command, reply and event delivered again, late and out of order', async () => {
    const chaos: Consumer = kafka.consumer({ groupId: `fault-duplicator-${randomUUID()}` });
    await chaos.connect();
    const duplicatedTopics = [topics.product.commands, topics.payment.commands, topics.order.sagaReplies, topics.order.events, topics.payment.events, topics.product.events];
    await chaos.subscribe({ topics: duplicatedTopics, fromBeginning: false });
    let duplicated = 0;
    await chaos.run({
      eachMessage: async ({ topic, message }) => {
        // A copy comes back through this consumer too: it is not copied again.
        if (message.headers?.['x-fault-copy']) return;
        // Again 0.2 to 2 s later, each after its own random delay: after its successors, and the
        // copies in another order than the originals, so consumers see old messages arrive late.
        const again = { key: message.key, value: message.value, headers: { ...message.headers, 'x-fault-copy': '1' } };
        setTimeout(() => {
          void producer.send({ topic, messages: [again] }).then(() => (duplicated += 1), () => undefined);
        }, 200 + Math.random() * 1_800);
      },
    });
    await sleep(3_000); // the duplicator joins its group before the batch starts
    try {
      const batch = await placeBatchAndStrike(() => undefined); // the fault is the duplicator, running all along
      await expectRecovered(batch);
      expect(duplicated).toBeGreaterThan(batch.orders.length * 4);
    } finally {
      await chaos.disconnect();
    }
  }, 420_000);

  it('poison messages (not JSON, unknown type, invalid payload) on every saga topic go to the dead-letter topics; the saga carries on', async () => {
    const poisonTopics = [topics.product.commands, topics.payment.commands, topics.order.sagaReplies, topics.order.events];
    const dlq = kafka.consumer({ groupId: `fault-dlq-${randomUUID()}` });
    await dlq.connect();
    await dlq.subscribe({ topics: poisonTopics.map((t) => `${t}.dlq`), fromBeginning: false });
    const marker = randomUUID();
    const deadLettered = new Map<string, number>();
    await dlq.run({
      eachMessage: async ({ topic, message }) => {
        if (message.key?.toString() === marker) deadLettered.set(topic, (deadLettered.get(topic) ?? 0) + 1);
      },
    });
    await sleep(3_000);
    try {
      const invalid = createEnvelope('fault-tests', { type: 'ReserveInventory', aggregateId: marker, payload: { reservationId: marker, orderId: marker, lines: [{ productId: marker, quantity: 1 }] } });
      const batch = await placeBatchAndStrike(async () => {
        for (const topic of poisonTopics) {
          await producer.send({
            topic,
            messages: [
              { key: marker, value: 'this is not JSON {' },
              { key: marker, value: JSON.stringify({ ...invalid, type: 'NoSuchMessage' }) },
              { key: marker, value: JSON.stringify({ ...invalid, payload: { reservationId: 'not-a-uuid' } }), headers: messageHeaders(invalid, {}) },
            ],
          });
        }
      });
      await expectRecovered(batch);
      // Each topic's three poison messages, each on that topic's own dead-letter topic, once.
      const expected = Object.fromEntries(poisonTopics.map((t) => [`${t}.dlq`, 3]));
      const settled = (seen: Record<string, number>) => Object.keys(seen).length === poisonTopics.length && Object.values(seen).every((n) => n >= 3);
      expect(await waitUntil('each poison message on its dead-letter topic', () => Object.fromEntries(deadLettered), settled, { timeoutMs: 20_000, intervalMs: 250 })).toEqual(expected);
    } finally {
      await dlq.disconnect();
    }
  }, 420_000);
});
