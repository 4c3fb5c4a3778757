import { SERVICES, stackComponent, waitUntil } from '@ecotrack/testing';
import { call, newCustomer, newProduct, placeOrder, startSagaWorld, waitForOrders, type Customer, type SagaWorld } from '../saga/support';

/**
 * Redis is not backed up (docs/dr.md): it holds the login sessions, the product cache and the
 * rate-limit counters, and what notification-service announced (a second memory beside
 * PostgreSQL's). Losing it is acceptable: sessions end and users log in again, the cache refills,
 * the counters start over, and the platform takes orders on without a restore.
 */
describe('Redis lost (process killed, files deleted) and started empty', () => {
  let world: SagaWorld;
  let customer: Customer;
  let productId: string;

  beforeAll(async () => {
    world = await startSagaWorld();
    customer = await newCustomer(world, 'redis-loss');
    productId = await newProduct(world, 5);
  }, 240_000);
  afterAll(async () => {
    await world?.close();
  });

  it('ends the sessions (log in again), refills the cache, and the platform takes orders on', async () => {
    const users = world.platform.url('user-service');
    const product = `${world.platform.url('product-service')}/v1/products/${productId}`;
    expect((await call(`${users}/v1/users/me`, { token: customer.token })).status).toBe(200);
    expect((await call(product)).status).toBe(200);

    stackComponent('lose', 'redis');
    stackComponent('start', 'redis');
    // Until a service's client has reconnected it answers 503 (its readiness says why), then serves again.
    for (const service of SERVICES) {
      await waitUntil(`${service} ready again`, () => fetch(`${world.platform.url(service)}/health/ready`).then((r) => r.status, () => 0), (status) => status === 200, { timeoutMs: 60_000 });
    }

    // The session the token names is gone: the token no longer works, a new login does.
    const stale = await call(`${users}/v1/users/me`, { token: customer.token });
    expect(stale.status).toBe(401);
    const session = await relogin(customer);
    expect(session.status).toBe(201);
    const fresh = { ...customer, token: session.body.accessToken as string };
    expect((await call(`${users}/v1/users/me`, { token: fresh.token })).status).toBe(200);

    // The cache starts empty and refills: the product is read from PostgreSQL, then from the cache.
    expect((await call(product)).body.id).toBe(productId);
    expect((await call(product)).body.id).toBe(productId);

    const order = await placeOrder(world, fresh, [{ productId, quantity: 1 }]);
    expect((await waitForOrders(world, [order.id], ['CONFIRMED']))[0].status).toBe('CONFIRMED');
  }, 300_000);

  function relogin(who: Customer) {
    return call(`${world.platform.url('user-service')}/v1/sessions`, { body: { email: who.email, password: who.password } });
  }
});
