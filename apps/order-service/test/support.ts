import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { freePort, serviceEnv, spawnService, startInProcess, startTestIdentity, type ServiceProcess, type TestIdentity } from '@ecotrack/testing';
import type { InjectOptions } from 'fastify';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module';
import { orderConfig } from '../src/config';
import { service } from '../src/service';

let identity: TestIdentity | undefined;
export const testIdentity = async () => (identity ??= await startTestIdentity(process.env.REDIS_URL!));

/** Ends the test identity's sessions and its JWKS server (call once per test file, in afterAll). */
export async function closeTestIdentity(): Promise<void> {
  await identity?.close();
  identity = undefined;
}

export { freePort };

/**
 * The real product-service (built by the integration set-up) as a child process
 * on a free port, against its own database: order-service prices from it over HTTP.
 * (An app may not import another app, so it runs as a process, not in-process.)
 */
export async function startProductService(overrides: Record<string, string> = {}): Promise<ServiceProcess> {
  const { jwksUrl } = await testIdentity();
  const proc = spawnService('product-service', await freePort(), {
    ...serviceEnv(process.env as Record<string, string>, 'product-service'),
    JWT_JWKS_URL: jwksUrl,
    CACHE_WARM_TOP_N: '0',
    SHUTDOWN_DRAIN_DELAY_MS: '0',
    LOG_LEVEL: 'warn',
    ...overrides,
  });
  await proc.waitUntilReady();
  return proc;
}

/** order-service in the test process, verifying tokens against the test identity's JWKS. */
export async function startOrderService(productServiceUrl: string, overrides: Record<string, string> = {}): Promise<NestFastifyApplication> {
  const { jwksUrl } = await testIdentity();
  return startInProcess({ ...service, module: AppModule, config: orderConfig }, process.env as Record<string, string>, {
    JWT_JWKS_URL: jwksUrl,
    PRODUCT_SERVICE_URL: productServiceUrl,
    HTTP_BODY_LIMIT_BYTES: '4096',
    ...overrides,
  });
}

export interface Client {
  readonly userId: string;
  inject(options: InjectOptions): ReturnType<NestFastifyApplication['inject']>;
}

/** Requests as one user (a fresh user id unless given) with these roles. */
export async function clientAs(app: NestFastifyApplication, roles: string[] = ['customer'], userId = randomUUID()): Promise<Client> {
  const token = await (await testIdentity()).token(roles, userId);
  return {
    userId,
    inject: (options) => app.inject({ ...options, headers: { ...options.headers, authorization: `Bearer ${token}` } }),
  };
}

/** Products written straight into product-service's database; removed afterwards. */
export class ProductFixtures {
  private readonly ids: string[] = [];
  private constructor(private readonly db: DataSource) {}

  static async connect(): Promise<ProductFixtures> {
    const db = new DataSource({ type: 'postgres', url: process.env.PRODUCT_SERVICE_DATABASE_URL, applicationName: 'order-service-tests' });
    return new ProductFixtures(await db.initialize());
  }

  async product(fixture: { name?: string; priceCents?: number; currency?: string; carbonKgCo2e?: number } = {}): Promise<string> {
    const [{ id }] = await this.db.query(
      `INSERT INTO products (sku, name, description, category, price_cents, currency, carbon_kg_co2e, stock)
       VALUES ($1, $2, '', 'home', $3, $4, $5, 10) RETURNING id`,
      [
        `IT-ORD-${randomUUID().slice(0, 13).toUpperCase()}`,
        fixture.name ?? 'Order test product',
        fixture.priceCents ?? 1000,
        fixture.currency ?? 'EUR',
        fixture.carbonKgCo2e ?? 1,
      ],
    );
    this.ids.push(id);
    return id;
  }

  async close(): Promise<void> {
    // The orders' sagas reached the real product-service, which reserved stock for some of them.
    await this.db.query(`DELETE FROM stock_reservations WHERE product_id = ANY($1::uuid[])`, [this.ids]);
    await this.db.query(`DELETE FROM products WHERE id = ANY($1::uuid[])`, [this.ids]);
    await this.db.destroy();
  }
}

/** What order-service wrote for a customer. */
export async function rowsOf(db: DataSource, customerId: string): Promise<{ orders: number; lines: number; keys: number }> {
  const [row] = await db.query(
    `SELECT (SELECT count(*) FROM orders WHERE customer_id = $1)::int AS orders,
            (SELECT count(*) FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.customer_id = $1)::int AS lines,
            (SELECT count(*) FROM idempotency_keys WHERE customer_id = $1)::int AS keys`,
    [customerId],
  );
  return row;
}

/** Removes a test's orders (lines and idempotency keys cascade). */
export async function deleteOrdersOf(db: DataSource, customerIds: string[]): Promise<void> {
  await db.query(`DELETE FROM idempotency_keys WHERE customer_id = ANY($1::uuid[])`, [customerIds]);
  await db.query(`DELETE FROM orders WHERE customer_id = ANY($1::uuid[])`, [customerIds]);
  // Their sagas too, or a later run's timeout poller would compensate orders that no longer exist.
  await db.query(`DELETE FROM saga_instances WHERE data->>'customerId' = ANY($1::text[])`, [customerIds]);
}
