import Stripe from 'stripe';
import { verifyStripeEvent } from './stripe-signature';

/** Headers are made by the Stripe SDK's own test signer, not by our code. */
describe('verifyStripeEvent', () => {
  const SECRET = 'whsec_unit_test_secret_0123456789';
  const payload = JSON.stringify({ id: 'evt_unit_1', object: 'event', type: 'payment_intent.succeeded', data: { object: { id: 'pi_unit_1' } } });
  const now = () => Math.floor(Date.now() / 1000);
  const sign = (body: string, options: { secret?: string; timestamp?: number } = {}) =>
    Stripe.webhooks.generateTestHeaderString({ payload: body, secret: options.secret ?? SECRET, timestamp: options.timestamp ?? now() });
  const verify = (body: string, header: string | undefined) => () => verifyStripeEvent(Buffer.from(body), header, SECRET, 300);
  const rejection = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      return error as { reason: string; message: string };
    }
    throw new Error('expected a rejection');
  };

  it('returns the event for a good signature', () => {
    expect(verify(payload, sign(payload))()).toMatchObject({ id: 'evt_unit_1', type: 'payment_intent.succeeded' });
  });

  it('accepts a timestamp within the tolerance', () => {
    expect(verify(payload, sign(payload, { timestamp: now() - 200 }))()).toMatchObject({ id: 'evt_unit_1' });
  });

  it.each([
    ['a tampered body', () => verify(payload.replace('pi_unit_1', 'pi_unit_2'), sign(payload)), 'invalid-signature'],
    ['another secret', () => verify(payload, sign(payload, { secret: 'whsec_someone_else' })), 'invalid-signature'],
    ['a garbage header', () => verify(payload, 'v1=deadbeef'), 'invalid-signature'],
    ['a stale timestamp (a captured request replayed)', () => verify(payload, sign(payload, { timestamp: now() - 301 })), 'stale-timestamp'],
    ['no header', () => verify(payload, undefined), 'missing-signature'],
    ['an empty header', () => verify(payload, ''), 'missing-signature'],
  ])('rejects %s', (_case, make, reason) => {
    const error = rejection(make());
    expect(error.reason).toBe(reason);
    expect(error.message).not.toContain(SECRET);
  });

  it('refuses a tolerance of 0 (which would turn the timestamp check off)', () => {
    expect(() => verifyStripeEvent(Buffer.from(payload), sign(payload), SECRET, 0)).toThrow(/positive/);
  });
});
