import { SERVICES, stackBackup, stackRestore } from '@ecotrack/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import { newCustomer, newProduct, paymentsOf, placeOrder, startSagaWorld, stockAccount, waitForOrders, type Customer, type SagaWorld } from '../saga/support';

/**
 * `./ecotrack restore --to <time>` (tools/stack/components/backup.sh): PostgreSQL back to a point
 * between two confirmed orders. The five databases are one cluster with one WAL, so all of them
 * stand at that same instant afterwards: the earlier order with its payment and its sold unit, and
 * nothing of the later one, in any service.
 */
describe('point-in-time restore of PostgreSQL (pgBackRest, WAL archive)', () => {
  let world: SagaWorld;
  let customer: Customer;

  beforeAll(async () => {
    world = await startSagaWorld();
    customer = await newCustomer(world, 'pitr');
  }, 240_000);
  afterAll(async () => {
    await world?.close();
  });

  it('restores to a time between two orders: the earlier one is there, the later one is not', async () => {
    const productId = await newProduct(world, 10);
    stackBackup('incr'); // a recent base backup: the replay up to the target is short
    const earlier = await placeOrder(world, customer, [{ productId, quantity: 1 }]);
    await waitForOrders(world, [earlier.id], ['CONFIRMED']);
    await sleep(1_000);
    const between = new Date().toISOString();
    await sleep(1_000);
    const later = await placeOrder(world, customer, [{ productId, quantity: 2 }]);
    await waitForOrders(world, [later.id], ['CONFIRMED']);
    expect((await stockAccount(world, productId)).sold).toBe(3);

    stackRestore({ to: between });
    for (const service of SERVICES) await world.platform.restart(service);

    const orders = await world.db.orders.query('SELECT id, status FROM orders WHERE id = ANY($1::uuid[])', [[earlier.id, later.id]]);
    expect(orders.rows).toEqual([{ id: earlier.id, status: 'CONFIRMED' }]);
    expect((await paymentsOf(world, [earlier.id, later.id])).map((p) => ({ orderId: p.orderId, status: p.status }))).toEqual([{ orderId: earlier.id, status: 'CAPTURED' }]);
    expect(await stockAccount(world, productId)).toEqual({ available: 9, reserved: 0, sold: 1, total: 10 });

    // The restored platform takes orders again.
    const after = await placeOrder(world, customer, [{ productId, quantity: 1 }]);
    expect((await waitForOrders(world, [after.id], ['CONFIRMED']))[0].status).toBe('CONFIRMED');
  }, 600_000);
});
