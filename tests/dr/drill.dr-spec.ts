import { SERVICES, stackBackup, stackComponent, stackRestore, waitUntil } from '@ecotrack/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'pg';
import { call, mailCounts, newCustomer, newProduct, notificationsSettled, paymentsOf, placeOrder, startSagaWorld, stockAccount, type Customer, type SagaWorld } from '../saga/support';

/**
 * The recovery drill (`./ecotrack drill`, docs/dr.md): under a steady order load PostgreSQL loses
 * its data directory and OpenBao its storage; both are restored to their latest point (the WAL
 * archive, the newest snapshot), the services restart, the load resumes. It prints
 *   RPO: the newest committed row missing after the restore, in seconds of loss, and
 *   RTO: from the disaster to the first order confirmed after it,
 * and checks the fault matrix's invariants on every order that survived: all CONFIRMED or
 * REJECTED, stock conserved per product, captured money equal to the confirmed totals and no order
 * captured twice at Stripe, no notification sent twice, and encrypted fields still decrypt.
 */
const GOALS = { rpoSeconds: 60, rtoSeconds: 300 };
const PLACERS = 4;
/** Load before the disaster: long enough for WAL segments to be archived under load (archive_timeout 30 s). */
const LOAD_BEFORE_MS = 45_000;
/** Load after the first confirmed order of the restored platform. */
const LOAD_AFTER_MS = 15_000;
const STOCK = 1_000;

interface Placed {
  id: string;
  placedAt: number;
}

describe('recovery drill: PostgreSQL and OpenBao lost under order load, restored to their latest point', () => {
  let world: SagaWorld;
  let customers: Customer[];
  let products: string[];
  let cluster: Pool;

  beforeAll(async () => {
    world = await startSagaWorld();
    customers = await Promise.all([0, 1, 2, 3].map((i) => newCustomer(world, `drill${i}`)));
    products = await Promise.all([0, 1, 2, 3].map(() => newProduct(world, STOCK, 900)));
    cluster = new Pool({ connectionString: process.env.POSTGRES_ADMIN_URL, max: 2, application_name: 'drill-heartbeat' });
    cluster.on('error', () => undefined);
    await cluster.query('CREATE TABLE IF NOT EXISTS drill_heartbeat (at timestamptz NOT NULL)');
    stackBackup('incr'); // the OpenBao snapshot knows the services' logins and leases; the replay starts here
  }, 300_000);
  afterAll(async () => {
    await cluster?.end();
    await world?.close();
  });

  it(`restores within RPO ${GOALS.rpoSeconds} s and RTO ${GOALS.rtoSeconds} s, and every invariant holds`, async () => {
    // A heartbeat row every 100 ms: the newest one committed before the disaster against the newest one restored is the RPO.
    let lastCommitted = 0;
    let beating = true;
    const heartbeat = (async () => {
      while (beating) {
        const at = Date.now();
        await cluster.query('INSERT INTO drill_heartbeat (at) VALUES (to_timestamp($1 / 1000.0))', [at]).then(() => (lastCommitted = at), () => undefined);
        await sleep(100);
      }
    })();

    // The steady load: PLACERS customers ordering one unit at a time; refused requests (the outage) wait and try again.
    const placed: Placed[] = [];
    let refused = 0;
    let loading = true;
    const load = Promise.all(
      Array.from({ length: PLACERS }, async (_, i) => {
        for (let n = 0; loading; n++) {
          const placedAt = Date.now();
          await placeOrder(world, customers[i], [{ productId: products[(i + n) % products.length], quantity: 1 }]).then(
            (order) => placed.push({ id: order.id, placedAt }),
            async () => {
              refused++;
              await sleep(500);
            },
          );
        }
      }),
    );

    await sleep(LOAD_BEFORE_MS);
    const confirmedBefore = await confirmedOrders(placed.map((p) => p.id));
    const disaster = Date.now();
    const committedAtDisaster = lastCommitted;
    stackComponent('lose', 'postgres');
    stackComponent('lose', 'openbao');

    stackRestore({ openbao: true });
    for (const service of SERVICES) await world.platform.restart(service);

    // RTO: the first order placed after the disaster that the restored platform confirms.
    const firstConfirmed = await waitUntil(
      'an order placed after the disaster to be confirmed',
      async () => {
        const after = placed.filter((p) => p.placedAt > disaster).map((p) => p.id);
        const { rows } = await world.db.orders.query(`SELECT min(updated_at) AS at FROM orders WHERE id = ANY($1::uuid[]) AND status = 'CONFIRMED'`, [after]);
        return rows[0].at as Date | null;
      },
      Boolean,
      { timeoutMs: GOALS.rtoSeconds * 1000 * 2, intervalMs: 250 },
    );
    await sleep(LOAD_AFTER_MS);
    loading = false;
    await load;
    beating = false;
    await heartbeat;

    const restoredUpTo = Number(
      (await cluster.query('SELECT extract(epoch FROM max(at)) * 1000 AS at FROM drill_heartbeat WHERE at <= to_timestamp($1 / 1000.0)', [disaster])).rows[0].at,
    );
    const rpoSeconds = Math.max(0, committedAtDisaster - restoredUpTo) / 1000;
    const rtoSeconds = (firstConfirmed!.getTime() - disaster) / 1000;

    // What survived: every order the database knows of these customers (an order whose 202 was lost in the outage included).
    const orders = await ordersOf(customers.map((c) => c.id));
    const known = new Set(orders.map((o) => o.id));
    const lost = placed.filter((p) => !known.has(p.id));
    const confirmedLost = confirmedBefore.filter((id) => !orders.some((o) => o.id === id && o.status === 'CONFIRMED'));
    console.info(
      [
        `drill: RPO ${rpoSeconds.toFixed(1)} s (goal ≤ ${GOALS.rpoSeconds} s), RTO ${rtoSeconds.toFixed(1)} s (goal ≤ ${GOALS.rtoSeconds} s)`,
        `  ${placed.length} orders accepted (${refused} requests refused during the outage); ${lost.length} lost with the last ${rpoSeconds.toFixed(1)} s, ${confirmedLost.length} of them confirmed before the disaster`,
      ].join('\n'),
    );

    // Every surviving order final, none stuck.
    const final = await waitUntil(
      'every surviving order CONFIRMED or REJECTED',
      () => ordersOf(customers.map((c) => c.id)),
      (rows) => rows.every((o) => o.status === 'CONFIRMED' || o.status === 'REJECTED'),
      { timeoutMs: 240_000, intervalMs: 500 },
    );
    const confirmed = final.filter((o) => o.status === 'CONFIRMED');

    // Stock conserved per product, and sold exactly what was confirmed.
    const accounts = await Promise.all(products.map((id) => stockAccount(world, id)));
    expect(accounts.map((a) => ({ reserved: a.reserved, total: a.total }))).toEqual(products.map(() => ({ reserved: 0, total: STOCK })));
    expect(accounts.reduce((sum, a) => sum + a.sold, 0)).toBe(confirmed.length);

    // Money: one captured payment per confirmed order, the same total; at Stripe, no order captured under two payments.
    const payments = await paymentsOf(
      world,
      final.map((o) => o.id),
    );
    const captured = payments.filter((p) => p.status === 'CAPTURED');
    expect(captured.map((p) => p.orderId).sort()).toEqual(confirmed.map((o) => o.id).sort());
    expect(captured.reduce((sum, p) => sum + p.amountCents, 0)).toBe(confirmed.reduce((sum, o) => sum + o.totalCents, 0));
    const paymentOrder = new Map(payments.map((p) => [p.id, p.orderId]));
    const capturesAtStripe = world.front.requests.map((r) => r.idempotencyKey ?? '').filter((key) => key.endsWith(':capture')).map((key) => key.split(':')[0]);
    const capturedPerOrder = new Map<string, Set<string>>();
    for (const paymentId of capturesAtStripe.filter((id) => paymentOrder.has(id))) {
      const orderId = paymentOrder.get(paymentId)!;
      capturedPerOrder.set(orderId, (capturedPerOrder.get(orderId) ?? new Set()).add(paymentId));
    }
    expect([...capturedPerOrder].filter(([, ids]) => ids.size > 1)).toEqual([]);
    const orphans = new Set(capturesAtStripe.filter((id) => !paymentOrder.has(id)));
    if (orphans.size) console.info(`  ${orphans.size} captures at Stripe belong to orders lost in the RPO window: reconcile them (docs/dr.md)`);

    // No notification twice: each surviving order's outcome mail and each receipt at most once.
    const ids = [...final.map((o) => o.id), ...captured.map((p) => p.id)];
    await notificationsSettled(world, ids, 0);
    const mails = await mailCounts(world);
    expect([...mails].filter(([key, n]) => n > 1 && ids.includes(key.split('|')[1]))).toEqual([]);

    // Encrypted fields still decrypt: the customers' personal fields (user-service) and a payment method (payment-service).
    for (const customer of customers) {
      const me = await call(`${world.platform.url('user-service')}/v1/users/me`, { token: customer.token });
      expect({ status: me.status, email: me.body?.email }).toEqual({ status: 200, email: customer.email });
    }
    const receipt = await call(`${world.platform.url('payment-service')}/v1/payments/${captured[0].id}`, { token: world.admin });
    expect(receipt.status).toBe(200);
    expect(receipt.body.paymentMethod).toBeTruthy();

    expect(rpoSeconds).toBeLessThanOrEqual(GOALS.rpoSeconds);
    expect(rtoSeconds).toBeLessThanOrEqual(GOALS.rtoSeconds);
  }, 900_000);

  async function confirmedOrders(ids: string[]): Promise<string[]> {
    const { rows } = await world.db.orders.query(`SELECT id FROM orders WHERE id = ANY($1::uuid[]) AND status = 'CONFIRMED'`, [ids]);
    return rows.map((r: { id: string }) => r.id);
  }

  async function ordersOf(customerIds: string[]): Promise<{ id: string; status: string; totalCents: number }[]> {
    const { rows } = await world.db.orders.query(`SELECT id, status, total_cents FROM orders WHERE customer_id = ANY($1::uuid[])`, [customerIds]);
    return rows.map((r: { id: string; status: string; total_cents: string }) => ({ id: r.id, status: r.status, totalCents: Number(r.total_cents) }));
  }
});
