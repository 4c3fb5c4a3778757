import { topics } from '@ecotrack/events';
import { expectJwks, expectMessage } from '../support/consumer';
import { consumerPact } from '../support/pact';

describe('payment-service consumes order-service', () => {
  const pact = consumerPact('payment-service', 'order-service');
  // payment-commands/payment-commands.ts. AuthorizePayment: the saga's chosen payment id makes a
  // retry idempotent, and Stripe needs the payment method token.
  it('takes the AuthorizePayment command', () =>
    expectMessage(pact, { type: 'AuthorizePayment', version: 1, topic: topics.payment.commands, correlated: true, alsoRead: ['paymentId', 'paymentMethodToken'] }));
  it.each(['CapturePayment', 'VoidPayment', 'RefundPayment'] as const)('takes the %s command', (type) =>
    expectMessage(pact, { type, version: 1, topic: topics.payment.commands, correlated: true }),
  );
});

describe('payment-service consumes user-service', () => {
  it("verifies tokens with user-service's JWKS", () => expectJwks(consumerPact('payment-service', 'user-service')));
});
