import { fromPayPalEvent } from './paypal-events';

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
