import { fromStripeEvent } from './stripe-events';

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
