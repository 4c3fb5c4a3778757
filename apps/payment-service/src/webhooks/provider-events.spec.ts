import type { PaymentStatus } from '../payments/payment.entity';
import { FORWARD, fromPayPalEvent, fromStripeEvent, reconcile, type ProviderEvent } from './provider-events';

const STATUSES: PaymentStatus[] = ['AUTHORIZED', 'CAPTURED', 'VOIDED', 'REFUNDED', 'FAILED'];
const event = (target: PaymentStatus | undefined, extra: Partial<ProviderEvent> = {}): ProviderEvent => ({
  provider: 'stripe',
  eventId: 'evt_1',
  eventType: 'test.event',
  target,
  references: ['pi_1'],
  ...extra,
});

describe('the forward-only transition table', () => {
  it('never moves anything back to AUTHORIZED, never leaves VOIDED, REFUNDED or FAILED, and CAPTURED only to REFUNDED', () => {
    for (const from of STATUSES) expect(FORWARD[from]).not.toContain('AUTHORIZED');
    expect(FORWARD.VOIDED).toEqual([]);
    expect(FORWARD.REFUNDED).toEqual([]);
    expect(FORWARD.FAILED).toEqual([]);
    expect(FORWARD.CAPTURED).toEqual(['REFUNDED']);
  });

  it('ends in the same state whatever order two events arrive in', () => {
    const apply = (status: PaymentStatus, target: PaymentStatus) => (reconcile(status, 1999, event(target)).outcome === 'applied' ? target : status);
    for (const [a, b] of [
      ['CAPTURED', 'REFUNDED'],
      ['AUTHORIZED', 'CAPTURED'],
      ['AUTHORIZED', 'REFUNDED'],
    ] as [PaymentStatus, PaymentStatus][]) {
      expect(apply(apply('AUTHORIZED', a), b)).toBe(apply(apply('AUTHORIZED', b), a));
    }
  });
});

describe('reconcile', () => {
  it.each<[PaymentStatus, PaymentStatus, string]>([
    ['AUTHORIZED', 'CAPTURED', 'applied'],
    ['AUTHORIZED', 'VOIDED', 'applied'],
    ['AUTHORIZED', 'FAILED', 'applied'],
    ['AUTHORIZED', 'REFUNDED', 'applied'],
    ['CAPTURED', 'REFUNDED', 'applied'],
    ['CAPTURED', 'CAPTURED', 'unchanged'],
    ['AUTHORIZED', 'AUTHORIZED', 'unchanged'],
    ['CAPTURED', 'AUTHORIZED', 'ignored'],
    ['CAPTURED', 'VOIDED', 'ignored'],
    ['CAPTURED', 'FAILED', 'ignored'],
    ['REFUNDED', 'CAPTURED', 'ignored'],
    ['VOIDED', 'CAPTURED', 'ignored'],
    ['FAILED', 'AUTHORIZED', 'ignored'],
  ])('%s + event saying %s → %s', (from, to, outcome) => {
    expect(reconcile(from, 1999, event(to)).outcome).toBe(outcome);
  });

  it('does not mark a payment REFUNDED for a partial refund', () => {
    expect(reconcile('CAPTURED', 1999, event('REFUNDED', { refund: { full: false } }))).toEqual({ outcome: 'ignored', reason: 'a partial refund' });
    expect(reconcile('CAPTURED', 1999, event('REFUNDED', { refund: { amountCents: 999 } })).outcome).toBe('ignored');
    expect(reconcile('CAPTURED', 1999, event('REFUNDED', { refund: { amountCents: 1999 } })).outcome).toBe('applied');
    expect(reconcile('CAPTURED', 1999, event('REFUNDED', { refund: { full: true } })).outcome).toBe('applied');
  });
});

describe('fromStripeEvent', () => {
  const stripe = (type: string, object: Record<string, unknown>) => ({ id: 'evt_9', object: 'event', type, data: { object } });

  it.each([
    ['payment_intent.amount_capturable_updated', 'AUTHORIZED'],
    ['payment_intent.succeeded', 'CAPTURED'],
    ['payment_intent.canceled', 'VOIDED'],
    ['payment_intent.payment_failed', 'FAILED'],
  ])('%s → %s, naming the PaymentIntent', (type, target) => {
    expect(fromStripeEvent(stripe(type, { id: 'pi_9', object: 'payment_intent' }))).toMatchObject({ provider: 'stripe', eventId: 'evt_9', eventType: type, target, references: ['pi_9'] });
  });

  it('payment_intent.succeeded records the PaymentIntent as the capture reference', () => {
    expect(fromStripeEvent(stripe('payment_intent.succeeded', { id: 'pi_9' })).captureReference).toBe('pi_9');
  });

  it('charge.refunded names the charge’s PaymentIntent (id or expanded) and says whether the refund is full', () => {
    expect(fromStripeEvent(stripe('charge.refunded', { id: 'ch_9', payment_intent: 'pi_9', refunded: true, refunds: { data: [{ id: 're_9' }] } }))).toMatchObject({
      target: 'REFUNDED',
      references: ['pi_9'],
      refundReference: 're_9',
      refund: { full: true },
    });
    expect(fromStripeEvent(stripe('charge.refunded', { id: 'ch_9', payment_intent: { id: 'pi_9' }, refunded: false }))).toMatchObject({ references: ['pi_9'], refund: { full: false } });
  });

  it('an event type we do not act on has no target', () => {
    expect(fromStripeEvent(stripe('customer.created', { id: 'cus_1' }))).toEqual({ provider: 'stripe', eventId: 'evt_9', eventType: 'customer.created', target: undefined, references: [] });
  });

  it('an event without id or type is malformed', () => {
    expect(() => fromStripeEvent({ type: 'payment_intent.succeeded' })).toThrow(expect.objectContaining({ reason: 'malformed-event' }));
    expect(() => fromStripeEvent({ id: 'evt_1' })).toThrow(expect.objectContaining({ reason: 'malformed-event' }));
  });
});

describe('fromPayPalEvent', () => {
  const paypal = (event_type: string, resource: Record<string, unknown>) => ({ id: 'WH-1', event_type, resource });

  it('PAYMENT.CAPTURE.COMPLETED names the capture, its authorization and order, and records the capture reference', () => {
    const parsed = fromPayPalEvent(
      paypal('PAYMENT.CAPTURE.COMPLETED', {
        id: 'CAP1',
        supplementary_data: { related_ids: { order_id: 'ORD1', authorization_id: 'AUTH1' } },
        links: [{ rel: 'up', href: 'https://api.paypal.com/v2/payments/authorizations/AUTH1' }],
      }),
    );
    expect(parsed).toMatchObject({ provider: 'paypal', eventId: 'WH-1', target: 'CAPTURED', captureReference: 'CAP1' });
    expect(parsed.references.sort()).toEqual(['AUTH1', 'CAP1', 'ORD1']);
  });

  it('PAYMENT.CAPTURE.REFUNDED names the refund and (by its up link) the capture, with the refunded amount', () => {
    expect(
      fromPayPalEvent(
        paypal('PAYMENT.CAPTURE.REFUNDED', {
          id: 'REF1',
          amount: { currency_code: 'EUR', value: '19.99' },
          links: [
            { rel: 'self', href: 'https://api.paypal.com/v2/payments/refunds/REF1' },
            { rel: 'up', href: 'https://api.paypal.com/v2/payments/captures/CAP1' },
          ],
        }),
      ),
    ).toMatchObject({ target: 'REFUNDED', references: ['REF1', 'CAP1'], refundReference: 'REF1', refund: { amountCents: 1999 } });
  });

  it.each([
    ['PAYMENT.AUTHORIZATION.CREATED', 'AUTHORIZED'],
    ['PAYMENT.AUTHORIZATION.VOIDED', 'VOIDED'],
    ['PAYMENT.CAPTURE.DENIED', 'FAILED'],
  ])('%s → %s', (type, target) => {
    expect(fromPayPalEvent(paypal(type, { id: 'X1' }))).toMatchObject({ target, references: ['X1'] });
  });

  it('an event type we do not act on has no target; a body that is no event is malformed', () => {
    expect(fromPayPalEvent(paypal('CHECKOUT.ORDER.APPROVED', { id: 'ORD1' }))).toMatchObject({ target: undefined, references: [] });
    expect(() => fromPayPalEvent([])).toThrow(expect.objectContaining({ reason: 'malformed-event' }));
    expect(() => fromPayPalEvent({ event_type: 'PAYMENT.CAPTURE.COMPLETED' })).toThrow(expect.objectContaining({ reason: 'malformed-event' }));
  });

  it.each([
    ['19.99', 'EUR', 1999],
    ['20', 'EUR', 2000],
    ['0.5', 'EUR', 50],
    ['1999', 'JPY', 1999],
    ['1.999', 'KWD', 1999],
    ['abc', 'EUR', undefined],
    ['-1.00', 'EUR', undefined],
    ['19.99', undefined, undefined],
  ])('a refund of %s %s is %s minor units', (value, currency, amount) => {
    const event = fromPayPalEvent(paypal('PAYMENT.CAPTURE.REFUNDED', { id: 'R1', amount: { value, currency_code: currency } }));
    expect(event.refund).toEqual({ amountCents: amount });
  });
});
