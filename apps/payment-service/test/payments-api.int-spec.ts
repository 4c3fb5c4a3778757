import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PROBLEM_CONTENT_TYPE } from '@ecotrack/platform';
import { openBaoSecretSource } from '@ecotrack/secrets';
import { startInProcess, startStripeMock, startTestIdentity, type VendorMock } from '@ecotrack/testing';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module';
import { paymentConfig } from '../src/config';
import { service } from '../src/service';

/** payment-service in process (real PostgreSQL, real JWKS tokens) with the Stripe adapter on stripe-mock. */
describe('payment-service HTTP API with the Stripe adapter', () => {
  let mock: VendorMock;
  let app: NestFastifyApplication;
  let db: DataSource;
  let token: string;
  const orderIds: string[] = [];

  const send = (method: 'GET' | 'POST', url: string, payload?: string) =>
    app.inject({ method, url, payload, headers: { authorization: `Bearer ${token}`, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) } });
  const rows = async () => Number((await db.query(`SELECT count(*)::int AS n FROM payments`))[0].n);
  const body = () => {
    const orderId = randomUUID();
    orderIds.push(orderId);
    return { orderId, provider: 'stripe', amountCents: 1999, currency: 'EUR', paymentMethodToken: 'pm_card_visa' };
  };
  const authorize = async () => {
    const response = await send('POST', '/v1/payments', JSON.stringify(body()));
    expect(response.statusCode).toBe(201);
    return response.json() as { id: string; status: string };
  };

  beforeAll(async () => {
    mock = await startStripeMock();
    const identity = await startTestIdentity(process.env.REDIS_URL!);
    app = await startInProcess({ ...service, module: AppModule, config: paymentConfig, secrets: openBaoSecretSource }, process.env as Record<string, string>, {
      JWT_JWKS_URL: identity.jwksUrl,
      STRIPE_API_BASE: mock.baseUrl,
      STRIPE_SECRET_KEY: 'sk_test_mock',
    });
    db = app.get(DataSource);
    token = await identity.token(['admin']);
  }, 15 * 60_000);
  afterAll(async () => {
    await db?.query(`DELETE FROM payments WHERE order_id = ANY($1::uuid[])`, [orderIds]);
    await app?.close();
    await mock?.stop();
  });

  it('AUTHORIZED → CAPTURED → REFUNDED, storing only provider references', async () => {
    const payment = await authorize();
    expect(payment).toMatchObject({ status: 'AUTHORIZED', providerReference: expect.stringMatching(/^pi_/) });
    expect((await send('POST', `/v1/payments/${payment.id}/capture`)).json()).toMatchObject({ status: 'CAPTURED' });
    expect((await send('POST', `/v1/payments/${payment.id}/refund`)).json()).toMatchObject({ status: 'REFUNDED', refundReference: expect.stringMatching(/^re_/) });
    expect((await send('GET', `/v1/payments/${payment.id}`)).json()).toMatchObject({ status: 'REFUNDED' });
    const [row] = await db.query(`SELECT * FROM payments WHERE id = $1`, [payment.id]);
    expect(JSON.stringify(row)).not.toContain('pm_card_visa');
  });

  it('AUTHORIZED → VOIDED; then capture and refund are illegal (409 problem)', async () => {
    const payment = await authorize();
    expect((await send('POST', `/v1/payments/${payment.id}/void`)).json()).toMatchObject({ status: 'VOIDED' });
    for (const op of ['capture', 'refund', 'void']) {
      const response = await send('POST', `/v1/payments/${payment.id}/${op}`);
      expect(response.statusCode).toBe(409);
      expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    }
  });

  it('refund before capture is a 409; an unknown payment is a 404', async () => {
    const payment = await authorize();
    expect((await send('POST', `/v1/payments/${payment.id}/refund`)).statusCode).toBe(409);
    expect((await send('GET', `/v1/payments/${randomUUID()}`)).statusCode).toBe(404);
  });

  it('paypal without credentials is a 422 problem (not offered here; no 5xx) and writes nothing', async () => {
    const before = await rows();
    const response = await send('POST', '/v1/payments', JSON.stringify({ ...body(), provider: 'paypal', paymentMethodToken: undefined }));
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({ type: 'urn:ecotrack:problem:provider-unavailable', provider: 'paypal' });
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(await rows()).toBe(before);
  });

  it.each([
    ['a PAN in a known field', () => JSON.stringify({ ...body(), paymentMethodToken: '4242 4242 4242 4242' }), 'paymentMethodToken'],
    ['a PAN in an unknown field', () => JSON.stringify({ ...body(), card: { number: '4000056655665556' } }), 'card.number'],
    ['missing amountCents', () => JSON.stringify({ ...body(), amountCents: undefined }), 'amountCents'],
    ['missing token for stripe', () => JSON.stringify({ ...body(), paymentMethodToken: undefined }), 'paymentMethodToken'],
    ['an unknown field', () => JSON.stringify({ ...body(), colour: 'green' }), 'colour'],
    ['malformed JSON', () => '{"orderId": ', undefined],
  ])('%s: 400 problem+json, zero rows written', async (_case, payload, field) => {
    const before = await rows();
    const response = await send('POST', '/v1/payments', payload());
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    if (field) expect(response.json().errors).toEqual([expect.objectContaining({ field })]);
    expect(response.body).not.toMatch(/4242 4242|4000056655665556/);
    expect(await rows()).toBe(before);
  });
});
