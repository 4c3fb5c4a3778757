import { startStripeMock, type VendorMock } from '@ecotrack/testing';
import { randomUUID } from 'node:crypto';
import { StripeGateway } from '../src/providers/stripe/stripe.gateway';

/** The Stripe adapter against stripe-mock, which validates every request against Stripe's own spec. */
describe('StripeGateway against stripe-mock', () => {
  let mock: VendorMock;
  let gateway: StripeGateway;
  const key = (op: string) => `${randomUUID()}:${op}`;

  beforeAll(async () => {
    mock = await startStripeMock();
    gateway = new StripeGateway({ apiBase: mock.baseUrl, secretKey: 'sk_test_mock' });
  }, 15 * 60_000);
  afterAll(() => mock?.stop());

  it('authorizes, captures and refunds, returning PaymentIntent and refund references', async () => {
    const auth = await gateway.authorize({ orderId: randomUUID(), amountCents: 1999, currency: 'EUR', paymentMethodToken: 'pm_card_visa', idempotencyKey: key('authorize') });
    expect(auth).toEqual({
      providerReference: expect.stringMatching(/^pi_/),
      authorizationReference: auth.providerReference,
      status: 'authorized',
      // The charge's card (stripe-mock's fixture), for the encrypted payment method summary.
      paymentMethod: { type: 'card', brand: 'visa', last4: '4242' },
    });
    const capture = await gateway.capture({ authorizationReference: auth.authorizationReference, amountCents: 1999, currency: 'EUR', idempotencyKey: key('capture') });
    expect(capture).toEqual({ reference: auth.authorizationReference, status: 'captured' });
    const refund = await gateway.refund({ captureReference: capture.reference, amountCents: 1999, currency: 'EUR', idempotencyKey: key('refund') });
    expect(refund).toEqual({ reference: expect.stringMatching(/^re_/), status: 'refunded' });
  });

  it('voids an authorization (PaymentIntent cancel)', async () => {
    const auth = await gateway.authorize({ orderId: randomUUID(), amountCents: 500, currency: 'USD', paymentMethodToken: 'pm_card_visa', idempotencyKey: key('authorize') });
    await expect(gateway.void({ authorizationReference: auth.authorizationReference, idempotencyKey: key('void') })).resolves.toEqual({
      reference: auth.authorizationReference,
      status: 'voided',
    });
  });

  it('is not a yes-man: an unknown parameter sent through the raw API is refused with invalid_request_error', async () => {
    const response = await fetch(`${mock.baseUrl}/v1/payment_intents`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk_test_mock', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'amount=100&currency=eur&card_number=4242424242424242',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
  });
});
