import { startPrism, VENDOR_APIS, type VendorMock } from '@ecotrack/testing';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { PaymentGatewayError } from '../src/providers/payment-gateway';
import { PayPalGateway } from '../src/providers/paypal/paypal.gateway';

/**
 * The PayPal adapter against Prism serving PayPal's own Orders v2 and Payments v2 specs.
 * Prism serves one spec per port, so a small front server plays api-m: it routes
 * /v2/checkout to the Orders mock and /v2/payments to the Payments mock, records each request,
 * and issues OAuth tokens itself (the token endpoint is in neither spec).
 * One rewrite, stated plainly: Prism fabricates `"id": "string"` (the schema has no pattern),
 * which the same spec's path parameter pattern ^[A-Z0-9]+$ then refuses (422), so the front
 * server replaces that fabricated id with a PayPal-shaped one.
 */
describe('PayPalGateway against Prism with the PayPal specs', () => {
  let orders: VendorMock;
  let payments: VendorMock;
  let front: Server;
  let apiBase: string;
  const seen: { method: string; url: string; requestId?: string; authorization?: string; body: string }[] = [];
  const key = (op: string) => `${randomUUID()}:${op}`;
  const gateway = (clientSecret = 'secret') => new PayPalGateway({ apiBase, clientId: 'client', clientSecret });

  beforeAll(async () => {
    [orders, payments] = await Promise.all([
      startPrism(path.join(VENDOR_APIS, 'paypal/checkout_orders_v2.json')),
      startPrism(path.join(VENDOR_APIS, 'paypal/payments_payment_v2.json')),
    ]);
    front = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        const url = request.url ?? '/';
        seen.push({ method: request.method ?? '', url, requestId: request.headers['paypal-request-id'] as string | undefined, authorization: request.headers.authorization, body });
        if (url === '/v1/oauth2/token') {
          const ok = request.headers.authorization === `Basic ${Buffer.from('client:secret').toString('base64')}` && body === 'grant_type=client_credentials';
          response.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
          response.end(JSON.stringify(ok ? { access_token: 'A21AA-test', token_type: 'Bearer', expires_in: 32400 } : { error: 'invalid_client' }));
          return;
        }
        const upstream = url.startsWith('/v2/checkout/') ? orders.baseUrl : payments.baseUrl;
        const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => !['host', 'content-length', 'connection'].includes(name))) as Record<string, string>;
        fetch(`${upstream}${url}`, { method: request.method, headers, body: body || undefined })
          .then(async (answer) => {
            const text = (await answer.text()).replaceAll('"id":"string"', '"id":"5O190127TN364715T"');
            response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
            response.end(text);
          })
          .catch((error: Error) => {
            response.writeHead(502);
            response.end(error.message);
          });
      });
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    apiBase = `http://127.0.0.1:${(front.address() as { port: number }).port}`;
  }, 5 * 60_000);
  afterAll(async () => {
    await Promise.all([orders?.stop(), payments?.stop()]);
    await new Promise((resolve) => front?.close(resolve));
  });

  it('authorizes (order + authorize), captures and refunds; one client-credentials token for all calls', async () => {
    const paypal = gateway();
    const auth = await paypal.authorize({ orderId: randomUUID(), amountCents: 1999, currency: 'EUR', idempotencyKey: key('authorize') });
    expect(auth).toEqual({ providerReference: expect.any(String), authorizationReference: expect.any(String), status: 'authorized' });
    const capture = await paypal.capture({ authorizationReference: auth.authorizationReference, amountCents: 1999, currency: 'EUR', idempotencyKey: key('capture') });
    expect(capture).toEqual({ reference: expect.any(String), status: 'captured' });
    const refund = await paypal.refund({ captureReference: capture.reference, amountCents: 1999, currency: 'EUR', idempotencyKey: key('refund') });
    expect(refund).toEqual({ reference: expect.any(String), status: 'refunded' });
    // One token for all calls; every write carries a bearer token and a PayPal-Request-Id.
    expect(seen.filter((r) => r.url === '/v1/oauth2/token')).toHaveLength(1);
    const writes = seen.filter((r) => r.url.startsWith('/v2/'));
    expect(writes.map((r) => r.url)).toEqual([
      '/v2/checkout/orders',
      '/v2/checkout/orders/5O190127TN364715T/authorize',
      '/v2/payments/authorizations/5O190127TN364715T/capture',
      '/v2/payments/captures/5O190127TN364715T/refund',
    ]);
    for (const write of writes) expect(write).toMatchObject({ authorization: 'Bearer A21AA-test', requestId: expect.stringMatching(/^[0-9a-f-]{36}:/) });
    expect(JSON.parse(writes[0].body)).toMatchObject({ intent: 'AUTHORIZE', purchase_units: [{ amount: { currency_code: 'EUR', value: '19.99' } }] });
  });

  it('voids an authorization', async () => {
    await expect(gateway().void({ authorizationReference: 'AUTH-1', idempotencyKey: key('void') })).resolves.toMatchObject({ status: 'voided' });
  });

  it('is not a yes-man: Prism refuses a request without the required OAuth bearer credential (401)', async () => {
    const response = await fetch(`${orders.baseUrl}/v2/checkout/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ intent: 'AUTHORIZE', purchase_units: [{ amount: { currency_code: 'EUR', value: '1.00' } }] }),
    });
    expect(response.status).toBe(401);
  });

  it('is not a yes-man: Prism refuses an order id that breaks the spec\'s path pattern (422)', async () => {
    const response = await fetch(`${orders.baseUrl}/v2/checkout/orders/not-an-id/authorize`, {
      method: 'POST',
      headers: { authorization: 'Bearer A21AA-test', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(422);
  });

  it('rejected client credentials surface as a rejected gateway error', async () => {
    const error = await gateway('wrong').authorize({ orderId: randomUUID(), amountCents: 100, currency: 'EUR', idempotencyKey: key('authorize') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PaymentGatewayError);
    expect(error).toMatchObject({ kind: 'rejected', providerStatus: 401 });
  });
});
