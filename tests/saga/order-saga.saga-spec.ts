import { stackComponent, waitForTrace, servicesIn } from '@ecotrack/testing';
import {
  call,
  mailsMentioning,
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
 * The order saga across the five real services, Kafka and PostgreSQL: two-phase reserve and
 * authorize, then capture and confirm; or release, void and reject. Stripe is stripe-mock behind
 * a front that can decline (Stripe's own decline test token) or stall.
 */
describe('order saga (five services, Kafka, PostgreSQL)', () => {
  let world: SagaWorld;
  let customer: Customer;

  beforeAll(async () => {
    // Steps wait as long as in production: the Kafka outage below must not reject the orders placed during it.
    world = await startSagaWorld({ SAGA_STEP_TIMEOUT_MS: '45000' });
    customer = await newCustomer(world);
  }, 240_000);
  afterAll(async () => {
    await world?.close();
  });

  /** The mails about this order (and payment), once notification-service recorded one notification per id and sent them. */
  async function settledMails(...ids: string[]): Promise<{ subject: string; to: string[] }[]> {
    await notificationsSettled(world, ids, ids.length, 60_000);
    const mails = (await Promise.all(ids.map((id) => mailsMentioning(world, id)))).flat();
    return mails.map((m) => ({ subject: m.Subject, to: m.To.map((to) => to.Address) })).sort((a, b) => a.subject.localeCompare(b.subject));
  }

  it('happy path: CONFIRMED; stock taken once, payment captured once, the customer notified once; one trace across order, product, payment and notification services', async () => {
    const product = await newProduct(world, 10, 1250);
    const order = await placeOrder(world, customer, [{ productId: product, quantity: 2 }]);

    const [row] = await waitForOrders(world, [order.id]);
    expect(row).toMatchObject({ status: 'CONFIRMED', rejection_reason: null });
    expect(await stockAccount(world, product)).toEqual({ available: 8, reserved: 0, sold: 2, total: 10 });
    const [payment, ...others] = await paymentsOf(world, [order.id]);
    expect([payment, ...others]).toEqual([{ id: expect.any(String), orderId: order.id, status: 'CAPTURED', amountCents: 2500 }]);
    const captureKeys = new Set(world.front.requests.filter((r) => r.path.endsWith('/capture') && r.idempotencyKey?.startsWith(payment.id)).map((r) => r.idempotencyKey));
    expect(captureKeys).toEqual(new Set([`${payment.id}:capture`]));

    expect(await settledMails(order.id, payment.id)).toEqual([
      { subject: 'Payment receipt', to: [customer.email] },
      { subject: 'Your order is confirmed', to: [customer.email] },
    ]);

    const trace = await waitForTrace(process.env.JAEGER_QUERY_URL!, order.traceId, ['order-service', 'product-service', 'payment-service', 'notification-service'], 60_000);
    // (user-service may appear too: the services fetch its JWKS inside the request.)
    expect([...servicesIn(trace)]).toEqual(expect.arrayContaining(['order-service', 'product-service', 'payment-service', 'notification-service']));
  }, 120_000);

  it('declined card: REJECTED with the reason, reservation released, nothing captured, the customer notified once', async () => {
    const product = await newProduct(world, 5);
    const order = await placeOrder(world, customer, [{ productId: product, quantity: 1 }], 'pm_card_chargeDeclined');

    const [row] = await waitForOrders(world, [order.id]);
    expect(row.status).toBe('REJECTED');
    expect(row.rejection_reason).toMatch(/declined/i);
    expect(await stockAccount(world, product)).toEqual({ available: 5, reserved: 0, sold: 0, total: 5 });
    expect((await paymentsOf(world, [order.id])).filter((p) => p.status === 'CAPTURED')).toEqual([]);
    expect(await settledMails(order.id)).toEqual([{ subject: 'Your order could not be completed', to: [customer.email] }]);
  }, 120_000);

  it('out of stock: REJECTED, no payment taken, the customer notified once', async () => {
    const product = await newProduct(world, 1);
    const order = await placeOrder(world, customer, [{ productId: product, quantity: 3 }]);

    const [row] = await waitForOrders(world, [order.id]);
    expect(row.status).toBe('REJECTED');
    expect(row.rejection_reason).toMatch(/out of stock/i);
    expect(await stockAccount(world, product)).toEqual({ available: 1, reserved: 0, sold: 0, total: 1 });
    expect((await paymentsOf(world, [order.id])).filter((p) => p.status === 'AUTHORIZED' || p.status === 'CAPTURED')).toEqual([]);
    expect(await settledMails(order.id)).toEqual([{ subject: 'Your order could not be completed', to: [customer.email] }]);
  }, 120_000);

  it('gateway timeout: REJECTED as the provider being unavailable, reservation released, nothing captured, the customer notified once', async () => {
    const product = await newProduct(world, 4);
    world.front.delay('pm_card_visa_slow', 10_000);
    const order = await placeOrder(world, customer, [{ productId: product, quantity: 1 }], 'pm_card_visa_slow');

    const [row] = await waitForOrders(world, [order.id]);
    expect(row.status).toBe('REJECTED');
    // payment-service's own gateway timeout (2 s here), not the saga's step timeout (45 s)
    expect(row.rejection_reason).toMatch(/payment provider unavailable/);
    expect(await stockAccount(world, product)).toEqual({ available: 4, reserved: 0, sold: 0, total: 4 });
    expect((await paymentsOf(world, [order.id])).filter((p) => p.status === 'CAPTURED')).toEqual([]);
    const atStripe = world.front.requests.filter((r) => r.paymentMethod === 'pm_card_visa_slow').map((r) => r.path);
    expect(atStripe.length).toBeGreaterThan(0);
    expect(atStripe.filter((p) => p.endsWith('/capture'))).toEqual([]);
    expect(await settledMails(order.id)).toEqual([{ subject: 'Your order could not be completed', to: [customer.email] }]);
  }, 120_000);

  it('a customer cancels a CONFIRMED order: refunded, restocked, CANCELLED', async () => {
    const product = await newProduct(world, 6);
    const order = await placeOrder(world, customer, [{ productId: product, quantity: 2 }]);
    await waitForOrders(world, [order.id], ['CONFIRMED']);

    const cancel = await call(`${world.platform.url('order-service')}/v1/orders/${order.id}/cancel`, { token: customer.token, method: 'POST' });
    expect(cancel.status).toBe(202);
    expect(cancel.body.status).toBe('CANCELLING');
    await waitForOrders(world, [order.id], ['CANCELLED']);
    expect(await paymentsOf(world, [order.id])).toEqual([expect.objectContaining({ status: 'REFUNDED' })]);
    expect((await stockAccount(world, product)).available).toBe(6);
  }, 120_000);

  it('Kafka down when orders are placed: they are accepted (202, PENDING) and complete once Kafka is back', async () => {
    const product = await newProduct(world, 20);
    stackComponent('stop', 'kafka');
    const orders: string[] = [];
    try {
      for (let i = 0; i < 5; i++) orders.push((await placeOrder(world, customer, [{ productId: product, quantity: 1 }])).id);
      const { rows } = await world.db.orders.query('SELECT status FROM orders WHERE id = ANY($1::uuid[])', [orders]);
      expect(rows.map((r: { status: string }) => r.status)).toEqual(Array(5).fill('PENDING'));
    } finally {
      stackComponent('start', 'kafka');
    }
    const rows = await waitForOrders(world, orders, ['CONFIRMED'], 180_000);
    expect(rows).toHaveLength(5);
    expect(await stockAccount(world, product)).toEqual({ available: 15, reserved: 0, sold: 5, total: 20 });
    expect((await paymentsOf(world, orders)).map((p) => p.status)).toEqual(Array(5).fill('CAPTURED'));
  }, 240_000);
});
