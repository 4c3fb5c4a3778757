import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PROBLEM_CONTENT_TYPE } from '@ecotrack/platform';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { clientAs, closeTestIdentity, deleteOrdersOf, freePort, rowsOf, startOrderService } from './support';

describe('orders while product-service is unreachable', () => {
  let app: NestFastifyApplication;
  const customers: string[] = [];

  beforeAll(async () => {
    // A port that was free a moment ago: connections are refused.
    app = await startOrderService(`http://127.0.0.1:${await freePort()}`);
  }, 60_000);
  afterAll(async () => {
    if (app) await deleteOrdersOf(app.get(DataSource), customers);
    await app?.close();
    await closeTestIdentity();
  });

  it('503 problem and nothing written: not the order, not the lines, not the key (a retry with the same key starts afresh)', async () => {
    const alice = await clientAs(app);
    customers.push(alice.userId);
    const key = randomUUID();
    const response = await alice.inject({
      method: 'POST',
      url: '/v1/orders',
      headers: { 'idempotency-key': key },
      payload: { items: [{ productId: randomUUID(), quantity: 1 }], payment: { provider: 'stripe', paymentMethodToken: 'pm_card_visa' } },
    });
    expect(response.statusCode).toBe(503);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(await rowsOf(app.get(DataSource), alice.userId)).toEqual({ orders: 0, lines: 0, keys: 0 });
  });
});
