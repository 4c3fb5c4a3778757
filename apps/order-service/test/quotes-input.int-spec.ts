import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PROBLEM_CONTENT_TYPE } from '@ecotrack/platform';
import { startInProcess } from '@ecotrack/testing';
import { AppModule } from '../src/app.module';
import { orderConfig } from '../src/config';
import { service } from '../src/service';

const validItem = { productId: '6f1c2b8e-2d4a-4c1e-9a43-3f6f0c9b8a11', quantity: 1 };

describe('order-service: bad input to POST /v1/quotes gets a 4xx problem, never a 500', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await startInProcess({ ...service, module: AppModule, config: orderConfig }, process.env as Record<string, string>, {
      // Nothing listens here: any request that got past validation would answer 503, not 400.
      PRODUCT_SERVICE_URL: 'http://127.0.0.1:9',
      HTTP_BODY_LIMIT_BYTES: '4096',
    });
  }, 60_000);
  afterAll(() => app?.close());

  const post = (payload: string, contentType = 'application/json') =>
    app.inject({ method: 'POST', url: '/v1/quotes', headers: { 'content-type': contentType }, payload });

  it.each([
    ['a missing field', {}, 'items'],
    ['an empty list', { items: [] }, 'items'],
    ['a wrong type', { items: [{ ...validItem, quantity: '2' }] }, 'items.0.quantity'],
    ['a bad uuid', { items: [{ ...validItem, productId: 'abc' }] }, 'items.0.productId'],
    ['an unknown field', { items: [validItem], discount: 50 }, 'discount'],
    ['an unknown nested field', { items: [{ ...validItem, priceCents: 1 }] }, 'items.0.priceCents'],
  ])('%s: 400 naming the field', async (_case, body, field) => {
    const response = await post(JSON.stringify(body));
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.json()).toMatchObject({ type: 'urn:ecotrack:problem:validation-error', status: 400 });
    expect(response.json().errors).toEqual([expect.objectContaining({ field })]);
  });

  it('malformed JSON: 400 problem', async () => {
    const response = await post('{"items": [');
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
  });

  it('oversized body: 413 problem', async () => {
    const response = await post(JSON.stringify({ items: [validItem], padding: 'x'.repeat(10_000) }));
    expect(response.statusCode).toBe(413);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
  });

  it('a body that is not JSON: 415 problem', async () => {
    const response = await post('items=1', 'text/plain');
    expect(response.statusCode).toBe(415);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
  });

  it('a valid basket while product-service is unreachable: 503 problem, not 500', async () => {
    const response = await post(JSON.stringify({ items: [validItem] }));
    expect(response.statusCode).toBe(503);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
  });
});
