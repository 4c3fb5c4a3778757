import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { RATE_LIMITED_PROBLEM_TYPE } from '@ecotrack/platform';
import type { ServiceProcess } from '@ecotrack/testing';
import { createHash, randomBytes } from 'node:crypto';
import { QUOTE_LIMIT } from '../src/quotes/quotes.controller';
import { closeTestIdentity, ProductFixtures, startOrderService, startProductService } from './support';

/** product-service's per-IP budget in this test: small, so that sharing it would show at once. */
const PRODUCT_IP_LIMIT = 20;
let nextClient = 1;
/** A client address of its own (the service sees it as the TCP peer). */
const newClient = () => `10.20.${Math.floor(nextClient / 250)}.${(nextClient++ % 250) + 1}`;

/**
 * What a quote costs product-service: one request for the whole basket, and none of its
 * clients' budgets. Locally every caller is 127.0.0.1, so order-service's calls would spend
 * the same per-IP budget as the anonymous clients of product-service (the live failure: 60
 * anonymous quotes made every quote and order fail for a minute). order-service proves who
 * it is with its service credential. The real product-service runs as a process.
 */
describe('quotes: one product-service request per basket, on no client budget', () => {
  const credential = randomBytes(24).toString('hex');
  let product: ServiceProcess;
  let orders: NestFastifyApplication;
  let impostor: NestFastifyApplication;
  let fixtures: ProductFixtures;
  let ids: string[];

  const quote = (app: NestFastifyApplication, items: Array<{ productId: string; quantity: number }>, ip = newClient()) =>
    app.inject({ method: 'POST', url: '/v1/quotes', payload: { items }, remoteAddress: ip });
  /** How many requests product-service has served on one route (its own metrics). */
  const served = async (route: string): Promise<number> => {
    const text = await (await fetch(`${product.baseUrl}/metrics`)).text();
    return text
      .split('\n')
      .filter((line) => line.startsWith('http_server_request_duration_seconds_count{') && line.includes(`route="${route}"`))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  };

  beforeAll(async () => {
    product = await startProductService({
      RATE_LIMIT_IP_PER_MINUTE: String(PRODUCT_IP_LIMIT),
      INTERNAL_CALLER_CREDENTIAL_DIGESTS: `order-service:${createHash('sha256').update(credential).digest('hex')}`,
    });
    orders = await startOrderService(product.baseUrl, { SERVICE_CREDENTIAL: credential });
    impostor = await startOrderService(product.baseUrl, { SERVICE_CREDENTIAL: randomBytes(24).toString('hex') });
    fixtures = await ProductFixtures.connect();
    ids = [];
    for (let i = 0; i < 5; i++) ids.push(await fixtures.product({ priceCents: 100 * (i + 1) }));
  }, 90_000);

  afterAll(async () => {
    await orders?.close();
    await impostor?.close();
    await fixtures?.close();
    await product?.stop('SIGTERM');
    await closeTestIdentity();
  });

  it('a 50-line basket naming 5 products, some in capitals, is ONE batch read', async () => {
    const items = Array.from({ length: 50 }, (_, i) => ({ productId: i % 3 === 0 ? ids[i % 5].toUpperCase() : ids[i % 5], quantity: 1 }));
    const [batchBefore, singleBefore] = [await served('/v1/products/batch'), await served('/v1/products/:id')];
    const response = await quote(orders, items);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ totalCents: 10 * (100 + 200 + 300 + 400 + 500), currency: 'EUR' });
    expect(response.json().lines).toHaveLength(50);
    expect((await served('/v1/products/batch')) - batchBefore).toBe(1);
    expect((await served('/v1/products/:id')) - singleBefore).toBe(0);
  });

  it("many clients' quotes spend none of product-service's client budget", async () => {
    const items = ids.map((productId) => ({ productId, quantity: 2 }));
    const statuses: number[] = [];
    for (let i = 0; i < PRODUCT_IP_LIMIT * 2; i++) statuses.push((await quote(orders, items)).statusCode);
    expect(statuses).toEqual(Array(PRODUCT_IP_LIMIT * 2).fill(200));
    // product-service's anonymous clients on 127.0.0.1 still have their whole budget.
    const direct = await fetch(`${product.baseUrl}/v1/products?limit=1`);
    expect(direct.status).toBe(200);
    expect(Number(direct.headers.get('ratelimit-remaining'))).toBe(PRODUCT_IP_LIMIT - 1);
  });

  it('with a credential product-service does not know, the calls are a client: its IP budget runs out (503)', async () => {
    const items = [{ productId: ids[0], quantity: 1 }];
    const statuses: number[] = [];
    for (let i = 0; i < PRODUCT_IP_LIMIT + 2; i++) statuses.push((await quote(impostor, items)).statusCode);
    // The direct request above spent one unit of 127.0.0.1's budget.
    expect(statuses.filter((status) => status === 200)).toHaveLength(PRODUCT_IP_LIMIT - 1);
    expect(statuses.slice(-2)).toEqual([503, 503]);
  });

  it('one client gets its own quote budget at order-service, then 429; other clients are unaffected', async () => {
    const items = [{ productId: ids[1], quantity: 1 }];
    const client = newClient();
    const statuses: number[] = [];
    for (let i = 0; i < QUOTE_LIMIT.perMinute; i++) statuses.push((await quote(orders, items, client)).statusCode);
    expect(statuses).toEqual(Array(QUOTE_LIMIT.perMinute).fill(200));
    const refused = await quote(orders, items, client);
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ type: RATE_LIMITED_PROBLEM_TYPE, limit: 'route' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await quote(orders, items)).statusCode).toBe(200);
  }, 60_000);
});
