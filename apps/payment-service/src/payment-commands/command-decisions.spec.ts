import { PaymentGatewayError, ProviderUnavailableError } from '../providers/payment-gateway';
import type { PaymentStatus } from '../payments/payment.entity';
import {
  authorizationFailure,
  boundedReason,
  captureRefusal,
  decideAuthorize,
  decideCapture,
  decideRefund,
  decideVoid,
  derivedPaymentId,
  PAYMENT_CANCELLED,
  PROVIDER_UNAVAILABLE,
} from './command-decisions';

const row = (status: PaymentStatus, failureReason: string | null = null) => ({ status, failureReason });

describe('what each saga command does, by the payment row', () => {
  it.each([
    [null, { action: 'authorize' }],
    [row('AUTHORIZED'), { action: 'reply-authorized' }],
    [row('CAPTURED'), { action: 'reply-authorized' }],
    [row('FAILED', 'payment declined (stripe: Your card was declined.)'), { action: 'reply-failed', reason: 'payment declined (stripe: Your card was declined.)' }],
    [row('VOIDED'), { action: 'reply-failed', reason: PAYMENT_CANCELLED }],
    [row('REFUNDED'), { action: 'reply-failed', reason: 'payment was refunded' }],
  ])('AuthorizePayment on %j → %j', (payment, decision) => {
    expect(decideAuthorize(payment)).toEqual(decision);
  });

  it.each([
    [null, { action: 'reply-capture-failed', reason: 'payment was never authorized' }],
    [row('AUTHORIZED'), { action: 'capture' }],
    [row('CAPTURED'), { action: 'reply-captured' }],
    [row('FAILED', 'payment provider unavailable'), { action: 'reply-capture-failed', reason: 'payment authorization failed: payment provider unavailable' }],
    [row('VOIDED'), { action: 'reply-capture-failed', reason: PAYMENT_CANCELLED }],
    [row('REFUNDED'), { action: 'reply-capture-failed', reason: 'payment was refunded' }],
  ])('CapturePayment on %j → %j', (payment, decision) => {
    expect(decideCapture(payment)).toEqual(decision);
  });

  it.each([
    [null, 'tombstone'],
    [row('AUTHORIZED'), 'void'],
    [row('CAPTURED'), 'refund'],
    [row('FAILED'), 'reply-voided'],
    [row('VOIDED'), 'reply-voided'],
    [row('REFUNDED'), 'reply-voided'],
  ])('VoidPayment on %j → %s', (payment, action) => {
    expect(decideVoid(payment)).toEqual({ action });
  });

  it.each([
    [null, { action: 'refuse', reason: 'payment does not exist' }],
    [row('AUTHORIZED'), { action: 'refuse', reason: 'payment is AUTHORIZED, it was never captured' }],
    [row('CAPTURED'), { action: 'refund' }],
    [row('REFUNDED'), { action: 'reply-refunded' }],
    [row('FAILED'), { action: 'refuse', reason: 'payment is FAILED, it was never captured' }],
    [row('VOIDED'), { action: 'refuse', reason: 'payment is VOIDED, it was never captured' }],
  ])('RefundPayment on %j → %j', (payment, decision) => {
    expect(decideRefund(payment)).toEqual(decision);
  });
});

describe('provider errors as the saga hears them', () => {
  it('authorization: declined and refused are definitive with the provider’s words; unavailable and unconfigured are "payment provider unavailable"', () => {
    expect(authorizationFailure(new PaymentGatewayError('stripe', 'declined', 'Your card was declined.', 402))).toEqual({
      reason: 'payment declined (stripe: Your card was declined.)',
      unavailable: false,
    });
    expect(authorizationFailure(new PaymentGatewayError('stripe', 'rejected', 'No such PaymentMethod', 400))).toEqual({
      reason: 'payment refused by the provider (stripe: No such PaymentMethod)',
      unavailable: false,
    });
    expect(authorizationFailure(new PaymentGatewayError('paypal', 'unavailable', 'timeout'))).toEqual({ reason: PROVIDER_UNAVAILABLE, unavailable: true });
    expect(authorizationFailure(new ProviderUnavailableError('paypal'))).toEqual({ reason: 'payment provider unavailable (paypal is not configured)', unavailable: true });
  });

  it('authorization: anything that is not the provider’s answer (the database, a bug) is not a failure reply but an error to retry', () => {
    expect(authorizationFailure(new Error('Connection terminated'))).toBeUndefined();
    expect(authorizationFailure('weird')).toBeUndefined();
  });

  it('capture: a decline or a refusal is answered; unavailable, unconfigured and other errors are retried', () => {
    expect(captureRefusal(new PaymentGatewayError('stripe', 'declined', 'Your card was declined.', 402))).toBe('capture declined (stripe: Your card was declined.)');
    expect(captureRefusal(new PaymentGatewayError('stripe', 'rejected', 'expired', 400))).toBe('capture refused by the provider (stripe: expired)');
    expect(captureRefusal(new PaymentGatewayError('stripe', 'unavailable', 'timeout'))).toBeUndefined();
    expect(captureRefusal(new ProviderUnavailableError('stripe'))).toBeUndefined();
    expect(captureRefusal(new Error('deadlock detected'))).toBeUndefined();
  });

  it('reasons fit the schema (at most 500 characters)', () => {
    const reason = authorizationFailure(new PaymentGatewayError('stripe', 'declined', 'x'.repeat(2_000)))!.reason;
    expect(reason).toHaveLength(500);
    expect(boundedReason('short')).toBe('short');
  });
});

describe('derivedPaymentId (AuthorizePayment without a paymentId)', () => {
  const saga = '0b6f7c52-6a43-4f4b-9a55-3b0f0c2c4b11';
  const order = '6a1f0e6c-2d7a-4c0e-8f7e-1f1b9e1d2c33';

  it('is the same for every resend of the saga’s command, and a version-5 uuid', () => {
    expect(derivedPaymentId(saga, order)).toBe(derivedPaymentId(saga, order));
    expect(derivedPaymentId(saga, order)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('differs for another saga or another order', () => {
    expect(derivedPaymentId(saga, order)).not.toBe(derivedPaymentId(order, saga));
    expect(derivedPaymentId(saga, order)).not.toBe(derivedPaymentId(saga, '6a1f0e6c-2d7a-4c0e-8f7e-1f1b9e1d2c34'));
  });
});
