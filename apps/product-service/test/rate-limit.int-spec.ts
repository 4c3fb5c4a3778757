import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PROBLEM_CONTENT_TYPE, RATE_LIMITED_PROBLEM_TYPE } from '@ecotrack/platform';
import type { LightMyRequestResponse } from 'fastify';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { clientWithRoles, startProductService } from './support';

/** Every app of this file counts under its own Redis key prefix: parallel and repeated runs never share a budget. */
const isolated = () => ({ RATE_LIMIT_KEY_PREFIX: `it-rl-${randomUUID().slice(0, 8)}` });

function expectLimitHeaders(response: LightMyRequestResponse, limit: number): void {
  expect(response.headers['ratelimit-limit']).toBe(String(limit));
  expect(Number(response.headers['ratelimit-remaining'])).toBeGreaterThanOrEqual(0);
  expect(Number(response.headers['ratelimit-reset'])).toBeGreaterThanOrEqual(1);
}

function expectRateLimited(response: LightMyRequestResponse, limit: 'ip' | 'user' | 'service'): void {
  expect(response.statusCode).toBe(429);
  expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
  expect(response.json()).toMatchObject({ type: RATE_LIMITED_PROBLEM_TYPE, status: 429, limit });
  expect(response.json().detail).toContain(`${limit} rate limit exceeded`);
  const retryAfter = Number(response.headers['retry-after']);
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(response.headers['ratelimit-remaining']).toBe('0');
}

const metric = async (app: NestFastifyApplication, limit: string): Promise<number> => {
  const line = (await app.inject({ method: 'GET', url: '/metrics' })).body
    .split('\n')
    .find((l) => l.startsWith('ecotrack_rate_limited_requests_total{') && l.includes(`limit="${limit}"`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
};

describe('product-service rate limiting (real Redis)', () => {
  describe('per client IP', () => {
    let app: NestFastifyApplication;
    let second: NestFastifyApplication;

    beforeAll(async () => {
      const overrides = { ...isolated(), RATE_LIMIT_IP_PER_MINUTE: '5' };
      app = await startProductService(overrides);
      // Another instance of the same service, same Redis, same prefix: one shared budget.
      second = await startProductService(overrides);
    }, 60_000);

    afterAll(async () => {
      await app?.close();
      await second?.close();
    });

    it('serves the first 5 public requests of a burst of 8, then answers 429 problems', async () => {
      const responses: LightMyRequestResponse[] = [];
      for (let i = 0; i < 8; i++) responses.push(await app.inject({ method: 'GET', url: '/v1/products?limit=1' }));
      expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
      expect(responses.map((r) => r.headers['ratelimit-remaining'])).toEqual(['4', '3', '2', '1', '0', '0', '0', '0']);
      for (const response of responses) expectLimitHeaders(response, 5);
      for (const response of responses.slice(5)) expectRateLimited(response, 'ip');
      expect(await metric(app, 'ip')).toBe(3);
    });

    it('shares the counter with another instance of the service', async () => {
      const response = await second.inject({ method: 'GET', url: '/v1/products?limit=1' });
      expectRateLimited(response, 'ip');
    });

    it('never limits health, metrics or docs', async () => {
      for (let i = 0; i < 10; i++) {
        for (const url of ['/health/live', '/health/ready', '/metrics', '/docs/openapi.json']) {
          const response = await app.inject({ method: 'GET', url });
          expect(response.statusCode).toBe(200);
          expect(response.headers['ratelimit-limit']).toBeUndefined();
        }
      }
    });
  });

  describe('per user', () => {
    let app: NestFastifyApplication;

    beforeAll(async () => {
      app = await startProductService({ ...isolated(), RATE_LIMIT_USER_PER_MINUTE: '3' });
    }, 60_000);

    afterAll(async () => {
      await app?.close();
    });

    it('gives every token subject its own budget', async () => {
      const [alice, bob] = await Promise.all([clientWithRoles(app, ['admin']), clientWithRoles(app, ['admin'])]);
      // An authenticated route: an unknown reservation is a 404 once the caller is through the limits.
      const read = (client: typeof alice) => client.inject({ method: 'GET', url: `/v1/reservations/${randomUUID()}` });

      const aliceStatuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const response = await read(alice);
        aliceStatuses.push(response.statusCode);
        expectLimitHeaders(response, 3);
        if (response.statusCode === 429) expectRateLimited(response, 'user');
      }
      expect(aliceStatuses).toEqual([404, 404, 404, 429, 429]);

      const bobStatuses: number[] = [];
      for (let i = 0; i < 4; i++) bobStatuses.push((await read(bob)).statusCode);
      expect(bobStatuses).toEqual([404, 404, 404, 429]);
      expect(await metric(app, 'user')).toBe(3);
    });

    it('does not limit public requests by user when the IP budget is left', async () => {
      for (let i = 0; i < 5; i++) expect((await app.inject({ method: 'GET', url: '/v1/products?limit=1' })).statusCode).toBe(200);
    });
  });

  describe('callers that are no clients', () => {
    const credential = randomBytes(24).toString('hex');
    const ORDER = 'spiffe://cluster.local/ns/ecotrack/sa/order-service';
    const ME = 'spiffe://cluster.local/ns/ecotrack/sa/product-service';
    const GATEWAY = 'spiffe://cluster.local/ns/istio-ingress/sa/istio-ingressgateway';
    const xfcc = (...peers: string[]) => peers.map((peer) => `By=${ME};Hash=abc123;Subject="";URI=${peer}`).join(',');
    const read = (headers: Record<string, string> = {}) => app.inject({ method: 'GET', url: '/v1/products?limit=1', headers });
    let app: NestFastifyApplication;

    beforeAll(async () => {
      app = await startProductService({
        ...isolated(),
        RATE_LIMIT_IP_PER_MINUTE: '3',
        RATE_LIMIT_USER_PER_MINUTE: '2',
        RATE_LIMIT_INTERNAL_PER_MINUTE: '5',
        INTERNAL_CALLER_CREDENTIAL_DIGESTS: `order-service:${createHash('sha256').update(credential).digest('hex')}`,
        INTERNAL_CALLER_SPIFFE_IDS: ORDER,
      });
    }, 60_000);
    afterAll(async () => {
      await app?.close();
    });

    it("a service's calls spend its own budget, not its address's: the clients there keep theirs", async () => {
      const byCredential = { 'x-service-credential': `order-service.${credential}` };
      const byPeer = { 'x-forwarded-client-cert': xfcc(ORDER) };
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await read(byCredential)).statusCode, (await read(byPeer)).statusCode);
      // 5 a minute for order-service, however it proved who it is; the 6th is refused.
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
      const refused = await read(byPeer);
      expectRateLimited(refused, 'service');
      // The clients of the same address (127.0.0.1 here, as locally) still have their whole budget.
      const client = await read();
      expect(client.statusCode).toBe(200);
      expect(client.headers['ratelimit-remaining']).toBe('2');
    });

    it('a forged credential, or a peer identity a client put in front of the real one, makes a client', async () => {
      const ip = { remoteAddress: '10.9.8.7' };
      const forged = [
        { 'x-service-credential': `order-service.${randomBytes(24).toString('hex')}` },
        { 'x-forwarded-client-cert': xfcc(ORDER, GATEWAY) },
        { 'x-service-credential': credential },
      ];
      const statuses: number[] = [];
      for (const headers of [...forged, forged[0]]) statuses.push((await app.inject({ method: 'GET', url: '/v1/products?limit=1', headers, ...ip })).statusCode);
      expect(statuses).toEqual([200, 200, 200, 429]);
    });

    it('an X-API-Key header is no identity: it neither gets nor spends a per-user budget', async () => {
      const ip = '10.9.8.6';
      const key = { 'x-api-key': `fresh-${randomBytes(8).toString('hex')}` };
      const first = await app.inject({ method: 'GET', url: '/v1/products?limit=1', headers: key, remoteAddress: ip });
      // The IP budget (3) is the tightest that applies; a per-user budget (2) would show here.
      expect(first.headers['ratelimit-limit']).toBe('3');
      const statuses = [first.statusCode];
      for (let i = 0; i < 3; i++) statuses.push((await app.inject({ method: 'GET', url: '/v1/products?limit=1', headers: { 'x-api-key': `fresh-${i}` }, remoteAddress: ip })).statusCode);
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect((await app.inject({ method: 'GET', url: '/v1/products?limit=1', headers: key, remoteAddress: ip })).json()).toMatchObject({ limit: 'ip' });
    });
  });
});
