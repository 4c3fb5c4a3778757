import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PROBLEM_CONTENT_TYPE } from '@ecotrack/platform';
import { openBaoSecretSource } from '@ecotrack/secrets';
import { startInProcess, startTestIdentity, type TestIdentity } from '@ecotrack/testing';
import { createSign, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as zlib from 'node:zlib';
import Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module';
import { paymentConfig } from '../src/config';
import { Payment, type PaymentStatus } from '../src/payments/payment.entity';
import { service } from '../src/service';
import { selfSignedCertificate, type TestCertificate } from './fixtures/self-signed-certificate';

type Response = Awaited<ReturnType<NestFastifyApplication['inject']>>;

/**
 * The webhook endpoints in process against real PostgreSQL. Stripe deliveries are signed with the
 * Stripe SDK's own test signer; PayPal deliveries with the key of a certificate served by a local
 * http server (allowed only through PAYPAL_WEBHOOK_CERT_HOSTS + PAYPAL_WEBHOOK_CERT_ALLOW_HTTP).
 */
describe('payment-service webhooks: signatures, replays, reconciliation', () => {
  const STRIPE_SECRET = `whsec_${randomBytes(16).toString('hex')}`;
  const PAYPAL_WEBHOOK_ID = `WH${randomBytes(8).toString('hex').toUpperCase()}`;
  const CERT_PATH = '/v1/notifications/certs/CERT-integration-test';
  const BROKEN_CERT_PATH = '/v1/notifications/certs/CERT-broken';

  let identity: TestIdentity;
  let app: NestFastifyApplication;
  let unconfigured: NestFastifyApplication;
  let db: DataSource;
  let cert: TestCertificate;
  let certServer: Server;
  let strangerServer: Server;
  let certOrigin: string;
  let strangerOrigin: string;
  const certRequests: string[] = [];
  const strangerRequests: string[] = [];
  const orderIds: string[] = [];
  const eventIds: string[] = [];

  const hex = () => randomBytes(8).toString('hex');
  const listen = async (server: Server) => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  beforeAll(async () => {
    cert = selfSignedCertificate();
    certServer = createServer((request, response) => {
      certRequests.push(request.url ?? '');
      if (request.url === CERT_PATH) response.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(cert.pem);
      else if (request.url === BROKEN_CERT_PATH) response.writeHead(502).end('bad gateway');
      else response.writeHead(404).end();
    });
    strangerServer = createServer((request, response) => {
      strangerRequests.push(request.url ?? '');
      response.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(cert.pem);
    });
    [certOrigin, strangerOrigin] = await Promise.all([listen(certServer), listen(strangerServer)]);
    identity = await startTestIdentity(process.env.REDIS_URL!);
    const env = process.env as Record<string, string>;
    app = await startInProcess({ ...service, module: AppModule, config: paymentConfig, secrets: openBaoSecretSource }, env, {
      JWT_JWKS_URL: identity.jwksUrl,
      STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
      PAYPAL_WEBHOOK_ID,
      PAYPAL_WEBHOOK_CERT_HOSTS: `api.paypal.com,api.sandbox.paypal.com,${new URL(certOrigin).host}`,
      PAYPAL_WEBHOOK_CERT_ALLOW_HTTP: 'true',
    });
    // Its secrets from an OpenBao environment without a KV entry: the local one seeds a Stripe webhook secret.
    unconfigured = await startInProcess({ ...service, module: AppModule, config: paymentConfig, secrets: openBaoSecretSource }, env, {
      JWT_JWKS_URL: identity.jwksUrl,
      OPENBAO_ENVIRONMENT: 'test-unconfigured',
    });
    db = app.get(DataSource);
  }, 5 * 60_000);

  afterAll(async () => {
    await db?.query(`DELETE FROM webhook_events WHERE event_id = ANY($1::text[])`, [eventIds]);
    await db?.query(`DELETE FROM payments WHERE order_id = ANY($1::uuid[])`, [orderIds]);
    await app?.close();
    await unconfigured?.close();
    await identity?.close();
    await Promise.all([certServer, strangerServer].map((server) => server && new Promise((resolve) => server.close(resolve))));
  });

  /** A payment as PaymentsService.authorize leaves it, written through the repository. */
  async function payment(provider: 'stripe' | 'paypal', status: PaymentStatus = 'AUTHORIZED') {
    const orderId = randomUUID();
    orderIds.push(orderId);
    const providerReference = provider === 'stripe' ? `pi_test_${hex()}` : `ORD${hex().toUpperCase()}`;
    const authorizationReference = provider === 'stripe' ? providerReference : `AUTH${hex().toUpperCase()}`;
    const repository = db.getRepository(Payment);
    return repository.save(
      repository.create({ orderId, provider, providerReference, authorizationReference, captureReference: null, refundReference: null, status, amountCents: 1999, currency: 'EUR' }),
    );
  }
  const paymentRow = async (id: string) =>
    (await db.query(`SELECT status, capture_reference, refund_reference, updated_at::text AS updated_at FROM payments WHERE id = $1`, [id]))[0] as {
      status: PaymentStatus;
      capture_reference: string | null;
      refund_reference: string | null;
      updated_at: string;
    };
  const eventRows = (provider: string, eventId: string) =>
    db.query(`SELECT event_type, outcome, payment_id FROM webhook_events WHERE provider = $1 AND event_id = $2`, [provider, eventId]) as Promise<
      { event_type: string; outcome: string; payment_id: string | null }[]
    >;

  function expectProblem(response: Response, status: number, fields: Record<string, unknown>) {
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.json()).toMatchObject({ status, ...fields });
    expect(response.body).not.toContain(STRIPE_SECRET);
  }

  describe('Stripe', () => {
    const stripeEvent = (type: string, object: Record<string, unknown>, id = `evt_test_${hex()}`) => {
      eventIds.push(id);
      return { id, payload: JSON.stringify({ id, object: 'event', api_version: '2025-10-29.clover', created: Math.floor(Date.now() / 1000), livemode: false, type, data: { object } }) };
    };
    const sign = (payload: string, timestamp = Math.floor(Date.now() / 1000)) => Stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET, timestamp });
    const deliver = (payload: string, signature: string | null = sign(payload), target = app) =>
      target.inject({
        method: 'POST',
        url: '/v1/webhooks/stripe',
        payload,
        headers: { 'content-type': 'application/json; charset=utf-8', ...(signature === null ? {} : { 'stripe-signature': signature }) },
      });

    it('payment_intent.succeeded captures the payment (no bearer token needed) and records the event with its outcome', async () => {
      const paid = await payment('stripe');
      const event = stripeEvent('payment_intent.succeeded', { id: paid.providerReference, object: 'payment_intent', status: 'succeeded' });
      const response = await deliver(event.payload);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ duplicate: false, matched: true, outcome: 'applied', paymentId: paid.id, status: 'CAPTURED' });
      expect(await paymentRow(paid.id)).toMatchObject({ status: 'CAPTURED', capture_reference: paid.providerReference });
      expect(await eventRows('stripe', event.id)).toEqual([{ event_type: 'payment_intent.succeeded', outcome: 'applied', payment_id: paid.id }]);
    });

    it('the same event again is acknowledged as a duplicate and has no second effect', async () => {
      const paid = await payment('stripe');
      const event = stripeEvent('payment_intent.succeeded', { id: paid.providerReference, object: 'payment_intent' });
      expect((await deliver(event.payload)).json()).toMatchObject({ outcome: 'applied' });
      // Put the payment back, so that applying the event a second time would show.
      await db.query(`UPDATE payments SET status = 'AUTHORIZED', capture_reference = NULL WHERE id = $1`, [paid.id]);
      const before = await paymentRow(paid.id);
      const again = await deliver(event.payload, sign(event.payload)); // Stripe redelivers with a fresh signature
      expect(again.statusCode).toBe(200);
      expect(again.json()).toEqual({ duplicate: true });
      expect(await paymentRow(paid.id)).toEqual(before);
      expect(await eventRows('stripe', event.id)).toHaveLength(1);
    });

    it('concurrent deliveries of one event: exactly one applies it', async () => {
      const paid = await payment('stripe');
      const event = stripeEvent('payment_intent.canceled', { id: paid.providerReference, object: 'payment_intent' });
      const responses = await Promise.all(Array.from({ length: 6 }, () => deliver(event.payload)));
      expect(responses.map((response) => response.statusCode)).toEqual(Array(6).fill(200));
      const bodies = responses.map((response) => response.json());
      expect(bodies.filter((body) => body.duplicate === false)).toEqual([expect.objectContaining({ outcome: 'applied', status: 'VOIDED' })]);
      expect(bodies.filter((body) => body.duplicate === true)).toHaveLength(5);
      expect(await eventRows('stripe', event.id)).toHaveLength(1);
    });

    it('charge.refunded (full) refunds a captured payment, naming it through the charge’s PaymentIntent', async () => {
      const paid = await payment('stripe', 'CAPTURED');
      const event = stripeEvent('charge.refunded', { id: `ch_${hex()}`, object: 'charge', payment_intent: paid.providerReference, refunded: true, amount_refunded: 1999, refunds: { data: [{ id: 're_test_1' }] } });
      expect((await deliver(event.payload)).json()).toMatchObject({ outcome: 'applied', status: 'REFUNDED' });
      expect(await paymentRow(paid.id)).toMatchObject({ status: 'REFUNDED', refund_reference: 're_test_1' });
    });

    it('a backwards transition is acknowledged and ignored: CAPTURED stays CAPTURED', async () => {
      const paid = await payment('stripe', 'CAPTURED');
      const before = await paymentRow(paid.id);
      const event = stripeEvent('payment_intent.amount_capturable_updated', { id: paid.providerReference, object: 'payment_intent' });
      const response = await deliver(event.payload);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ duplicate: false, matched: true, outcome: 'ignored', paymentId: paid.id, status: 'CAPTURED' });
      expect(await paymentRow(paid.id)).toEqual(before);
      expect(await eventRows('stripe', event.id)).toEqual([{ event_type: 'payment_intent.amount_capturable_updated', outcome: 'ignored', payment_id: paid.id }]);
    });

    it('an event for an unknown payment, and an event type we do not act on, are recorded and acknowledged', async () => {
      const unknown = stripeEvent('payment_intent.succeeded', { id: `pi_unknown_${hex()}`, object: 'payment_intent' });
      const response = await deliver(unknown.payload);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ duplicate: false, matched: false, outcome: 'unmatched' });
      expect(await eventRows('stripe', unknown.id)).toEqual([{ event_type: 'payment_intent.succeeded', outcome: 'unmatched', payment_id: null }]);

      const other = stripeEvent('customer.created', { id: `cus_${hex()}`, object: 'customer' });
      expect((await deliver(other.payload)).json()).toEqual({ duplicate: false, matched: false, outcome: 'unhandled' });
      expect(await eventRows('stripe', other.id)).toEqual([{ event_type: 'customer.created', outcome: 'unhandled', payment_id: null }]);
    });

    it.each([
      ['a tampered body', (payload: string) => ({ body: payload.replace('"livemode":false', '"livemode":true'), signature: sign(payload) }), 'invalid-signature'],
      ['a signature made with another secret', (payload: string) => ({ body: payload, signature: Stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_other' }) }), 'invalid-signature'],
      ['a stale timestamp (a captured request replayed 6 minutes later)', (payload: string) => ({ body: payload, signature: sign(payload, Math.floor(Date.now() / 1000) - 360) }), 'stale-timestamp'],
      ['no Stripe-Signature header', (payload: string) => ({ body: payload, signature: null }), 'missing-signature'],
    ])('%s: 400 problem+json, nothing written', async (_case, make, reason) => {
      const paid = await payment('stripe');
      const before = await paymentRow(paid.id);
      const event = stripeEvent('payment_intent.succeeded', { id: paid.providerReference, object: 'payment_intent' });
      const { body, signature } = make(event.payload);
      const response = await deliver(body, signature);
      expectProblem(response, 400, { type: 'urn:ecotrack:problem:webhook-rejected', title: 'Webhook rejected', provider: 'stripe', reason });
      expect(await paymentRow(paid.id)).toEqual(before);
      expect(await eventRows('stripe', event.id)).toEqual([]);
    });

    it('without STRIPE_WEBHOOK_SECRET: 404 problem+json (not offered here), nothing written', async () => {
      const paid = await payment('stripe');
      const event = stripeEvent('payment_intent.succeeded', { id: paid.providerReference, object: 'payment_intent' });
      expectProblem(await deliver(event.payload, sign(event.payload), unconfigured), 404, { type: 'urn:ecotrack:problem:webhook-not-configured', provider: 'stripe' });
      expect((await paymentRow(paid.id)).status).toBe('AUTHORIZED');
      expect(await eventRows('stripe', event.id)).toEqual([]);
    });
  });

  describe('PayPal', () => {
    const certUrl = () => `${certOrigin}${CERT_PATH}`;
    const paypalEvent = (event_type: string, resource: Record<string, unknown>, id = `WH-${hex().toUpperCase()}`) => {
      eventIds.push(id);
      return { id, payload: JSON.stringify({ id, event_version: '1.0', create_time: new Date().toISOString(), resource_type: 'capture', event_type, summary: 'test', resource }) };
    };
    /** Signed as PayPal documents it, with zlib's crc32 (not the code under test). */
    const sign = (payload: string, options: { webhookId?: string; time?: Date; url?: string } = {}) => {
      const transmissionId = randomUUID();
      const transmissionTime = (options.time ?? new Date()).toISOString();
      const signed = `${transmissionId}|${transmissionTime}|${options.webhookId ?? PAYPAL_WEBHOOK_ID}|${zlib.crc32(Buffer.from(payload)) >>> 0}`;
      return {
        'paypal-transmission-id': transmissionId,
        'paypal-transmission-time': transmissionTime,
        'paypal-transmission-sig': createSign('RSA-SHA256').update(signed).sign(cert.privateKey, 'base64'),
        'paypal-cert-url': options.url ?? certUrl(),
        'paypal-auth-algo': 'SHA256withRSA',
      } as Record<string, string>;
    };
    const deliver = (payload: string, headers: Record<string, string> = sign(payload), target = app) =>
      target.inject({ method: 'POST', url: '/v1/webhooks/paypal', payload, headers: { 'content-type': 'application/json', ...headers } });
    const captureCompleted = (paid: Payment, captureId = `CAP${hex().toUpperCase()}`) =>
      paypalEvent('PAYMENT.CAPTURE.COMPLETED', {
        id: captureId,
        status: 'COMPLETED',
        amount: { currency_code: 'EUR', value: '19.99' },
        supplementary_data: { related_ids: { order_id: paid.providerReference, authorization_id: paid.authorizationReference } },
        links: [{ rel: 'up', method: 'GET', href: `https://api.paypal.com/v2/payments/authorizations/${paid.authorizationReference}` }],
      });

    it('PAYMENT.CAPTURE.COMPLETED captures the payment; the certificate is fetched once and then cached', async () => {
      const paid = await payment('paypal');
      const event = captureCompleted(paid, 'CAP0000000000001');
      const response = await deliver(event.payload);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ duplicate: false, matched: true, outcome: 'applied', paymentId: paid.id, status: 'CAPTURED' });
      expect(await paymentRow(paid.id)).toMatchObject({ status: 'CAPTURED', capture_reference: 'CAP0000000000001' });
      expect(await eventRows('paypal', event.id)).toEqual([{ event_type: 'PAYMENT.CAPTURE.COMPLETED', outcome: 'applied', payment_id: paid.id }]);

      const other = await payment('paypal');
      expect((await deliver(captureCompleted(other).payload)).json()).toMatchObject({ outcome: 'applied' });
      // Whatever ran before: one fetch in the app's lifetime, every later delivery uses the cached certificate.
      expect(certRequests.filter((url) => url === CERT_PATH)).toHaveLength(1);
    });

    it('the same event again is acknowledged as a duplicate and has no second effect', async () => {
      const paid = await payment('paypal');
      const event = captureCompleted(paid);
      expect((await deliver(event.payload)).json()).toMatchObject({ outcome: 'applied' });
      await db.query(`UPDATE payments SET status = 'AUTHORIZED', capture_reference = NULL WHERE id = $1`, [paid.id]);
      const before = await paymentRow(paid.id);
      const again = await deliver(event.payload); // a new transmission of the same event
      expect(again.statusCode).toBe(200);
      expect(again.json()).toEqual({ duplicate: true });
      expect(await paymentRow(paid.id)).toEqual(before);
      expect(await eventRows('paypal', event.id)).toHaveLength(1);
    });

    it('a refund event names the payment through the capture it refunds', async () => {
      const paid = await payment('paypal');
      const captureId = `CAP${hex().toUpperCase()}`;
      await deliver(captureCompleted(paid, captureId).payload);
      const refund = paypalEvent('PAYMENT.CAPTURE.REFUNDED', {
        id: 'REF0000000000001',
        status: 'COMPLETED',
        amount: { currency_code: 'EUR', value: '19.99' },
        links: [{ rel: 'up', method: 'GET', href: `https://api.paypal.com/v2/payments/captures/${captureId}` }],
      });
      expect((await deliver(refund.payload)).json()).toMatchObject({ outcome: 'applied', paymentId: paid.id, status: 'REFUNDED' });
      expect(await paymentRow(paid.id)).toMatchObject({ status: 'REFUNDED', refund_reference: 'REF0000000000001' });
    });

    it('a backwards transition is acknowledged and ignored: CAPTURED stays CAPTURED', async () => {
      const paid = await payment('paypal', 'CAPTURED');
      const before = await paymentRow(paid.id);
      const event = paypalEvent('PAYMENT.AUTHORIZATION.CREATED', { id: paid.authorizationReference, status: 'CREATED', supplementary_data: { related_ids: { order_id: paid.providerReference } } });
      const response = await deliver(event.payload);
      expect(response.json()).toEqual({ duplicate: false, matched: true, outcome: 'ignored', paymentId: paid.id, status: 'CAPTURED' });
      expect(await paymentRow(paid.id)).toEqual(before);
    });

    it('an event for an unknown payment is recorded and acknowledged', async () => {
      const event = paypalEvent('PAYMENT.CAPTURE.COMPLETED', { id: `CAP${hex().toUpperCase()}` });
      const response = await deliver(event.payload);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ duplicate: false, matched: false, outcome: 'unmatched' });
      expect(await eventRows('paypal', event.id)).toEqual([{ event_type: 'PAYMENT.CAPTURE.COMPLETED', outcome: 'unmatched', payment_id: null }]);
    });

    it.each([
      ['a tampered body', (payload: string) => ({ body: payload.replace('"status":"COMPLETED"', '"status":"DECLINED"'), headers: sign(payload) }), 'invalid-signature'],
      ['a signature for another webhook id', (payload: string) => ({ body: payload, headers: sign(payload, { webhookId: 'WH0THER00000000' }) }), 'invalid-signature'],
      ['a stale transmission time (a captured delivery replayed 6 minutes later)', (payload: string) => ({ body: payload, headers: sign(payload, { time: new Date(Date.now() - 360_000) }) }), 'stale-timestamp'],
      ['no transmission signature', (payload: string) => ({ body: payload, headers: { ...sign(payload), 'paypal-transmission-sig': '' } }), 'missing-signature'],
      ['no PayPal headers at all', (payload: string) => ({ body: payload, headers: {} }), 'missing-signature'],
    ])('%s: 400 problem+json, nothing written', async (_case, make, reason) => {
      const paid = await payment('paypal');
      const before = await paymentRow(paid.id);
      const event = captureCompleted(paid);
      const { body, headers } = make(event.payload);
      expectProblem(await deliver(body, headers), 400, { type: 'urn:ecotrack:problem:webhook-rejected', provider: 'paypal', reason });
      expect(await paymentRow(paid.id)).toEqual(before);
      expect(await eventRows('paypal', event.id)).toEqual([]);
    });

    it('a certificate URL on a host not in PAYPAL_WEBHOOK_CERT_HOSTS is refused without being fetched', async () => {
      const paid = await payment('paypal');
      const event = captureCompleted(paid);
      const response = await deliver(event.payload, sign(event.payload, { url: `${strangerOrigin}${CERT_PATH}` }));
      expectProblem(response, 400, { provider: 'paypal', reason: 'certificate-url-not-allowed' });
      expect(strangerRequests).toEqual([]);
      expect(await eventRows('paypal', event.id)).toEqual([]);
    });

    it('a certificate that cannot be fetched: 503 problem+json (PayPal retries), nothing written', async () => {
      const paid = await payment('paypal');
      const event = captureCompleted(paid);
      const response = await deliver(event.payload, sign(event.payload, { url: `${certOrigin}${BROKEN_CERT_PATH}` }));
      expectProblem(response, 503, { type: 'urn:ecotrack:problem:webhook-certificate-unavailable' });
      expect((await paymentRow(paid.id)).status).toBe('AUTHORIZED');
      expect(await eventRows('paypal', event.id)).toEqual([]);
    });

    it('without PAYPAL_WEBHOOK_ID: 404 problem+json (not offered here), nothing written', async () => {
      const paid = await payment('paypal');
      const event = captureCompleted(paid);
      expectProblem(await deliver(event.payload, sign(event.payload), unconfigured), 404, { type: 'urn:ecotrack:problem:webhook-not-configured', provider: 'paypal' });
      expect(await eventRows('paypal', event.id)).toEqual([]);
    });
  });

  it('both endpoints are in the OpenAPI document, public, under the webhooks tag', async () => {
    const document = (await app.inject({ method: 'GET', url: '/docs/openapi.json' })).json();
    for (const path of ['/v1/webhooks/stripe', '/v1/webhooks/paypal']) {
      expect(document.paths[path].post).toMatchObject({ tags: ['webhooks'], responses: { 200: expect.anything(), 400: expect.anything(), 404: expect.anything() } });
    }
  });
});
