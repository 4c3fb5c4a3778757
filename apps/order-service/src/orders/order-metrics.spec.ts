import { rejectionReasonClass } from './order-metrics';

describe('rejection reason classes', () => {
  it.each([
    ['out of stock: 7d1c0c5e-3f4f-4a57-9a38-3ad4f6a1a001', 'out_of_stock'],
    ['payment declined (stripe: Your card was declined.)', 'payment_declined'],
    ['payment refused by the provider (paypal: UNPROCESSABLE_ENTITY)', 'payment_declined'],
    ['reserve inventory timed out', 'timeout'],
    ['authorize payment timed out', 'timeout'],
    ['unknown product: 7d1c0c5e-3f4f-4a57-9a38-3ad4f6a1a001', 'other'],
    ['payment provider unavailable', 'other'],
    ['payment was cancelled', 'other'],
    ['', 'other'],
  ])('%j is %s', (reason, reasonClass) => {
    expect(rejectionReasonClass(reason)).toBe(reasonClass);
  });
});
