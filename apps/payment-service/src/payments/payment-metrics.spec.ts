import { PaymentGatewayError, ProviderUnavailableError } from '../providers/payment-gateway';
import { failureOutcome } from './payment-metrics';

describe('payment failure outcomes', () => {
  it('the provider saying no is declined; unreachable, unconfigured or any other error is failed', () => {
    expect(failureOutcome(new PaymentGatewayError('stripe', 'declined', 'Your card was declined.', 402))).toBe('declined');
    expect(failureOutcome(new PaymentGatewayError('paypal', 'rejected', 'UNPROCESSABLE_ENTITY', 422))).toBe('declined');
    expect(failureOutcome(new PaymentGatewayError('stripe', 'unavailable', 'socket hang up'))).toBe('failed');
    expect(failureOutcome(new ProviderUnavailableError('paypal'))).toBe('failed');
    expect(failureOutcome(new Error('connection terminated'))).toBe('failed');
  });
});
