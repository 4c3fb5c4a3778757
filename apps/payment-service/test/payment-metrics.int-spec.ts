import type { CommandPayloads } from '@ecotrack/events';
import { METRICS_REGISTRY, metricValue } from '@ecotrack/telemetry';
import { SagaPlayer, STRIPE_DECLINED_PAYMENT_METHOD, type SagaIds } from '@ecotrack/testing';
import { randomUUID } from 'node:crypto';
import type { Registry } from 'prom-client';
import { startPaymentParticipant, type PaymentParticipant } from './support';

const GATEWAY_TIMEOUT_MS = 1_000;
const TEST_TIMEOUT_MS = 90_000;

/**
 * ecotrack_payments_total, ecotrack_refunded_minor_units_total and the provider call duration move
 * once per provider operation, through the saga commands (real Kafka, PostgreSQL, stripe-mock
 * behind the front): a redelivered or resent command is answered from the payment row and counts
 * nothing; a decline and an unreachable provider count as such.
 */
describe('payment business metrics (saga commands; Stripe = stripe-mock behind the front)', () => {
  let participant: PaymentParticipant;
  let player: SagaPlayer<CommandPayloads>;
  const orderIds: string[] = [];

  const value = (name: string, labels: Record<string, string> = {}) => metricValue(participant.app.get<Registry>(METRICS_REGISTRY), name, labels);
  const payments = (operation: string, outcome: string) => value('ecotrack_payments_total', { provider: 'stripe', operation, outcome });
  const calls = (operation: string) => value('ecotrack_payment_provider_request_duration_seconds_count', { provider: 'stripe', operation });

  const newSaga = (paymentMethodToken = 'pm_card_visa') => {
    const saga = { ...SagaPlayer.saga(), paymentId: randomUUID(), userId: randomUUID(), amountCents: 1_234, paymentMethodToken };
    orderIds.push(saga.orderId);
    return saga;
  };
  type TestSaga = ReturnType<typeof newSaga>;
  const send = (type: 'AuthorizePayment' | 'CapturePayment' | 'RefundPayment', saga: TestSaga & SagaIds) =>
    type === 'AuthorizePayment'
      ? player.send(type, saga, { ...ids(saga), userId: saga.userId, amountCents: saga.amountCents, currency: 'EUR', provider: 'stripe', paymentMethodToken: saga.paymentMethodToken })
      : player.send(type, saga, ids(saga));
  const ids = (saga: TestSaga) => ({ orderId: saga.orderId, paymentId: saga.paymentId });
  const answer = async (command: { id: string; type: string }) => (await player.reply(command)).envelope.type;

  beforeAll(async () => {
    participant = await startPaymentParticipant('metrics', { PAYMENT_GATEWAY_TIMEOUT_MS: String(GATEWAY_TIMEOUT_MS), CONSUMER_RETRY_MAX_DELAY_MS: '500' });
    ({ player } = participant);
  }, 15 * 60_000);
  afterAll(() => participant?.close(orderIds));

  it(
    'authorize, capture, refund: one success each, the refunded amount, one timed call each; redelivered and resent commands count nothing',
    async () => {
      const before = {
        authorized: await payments('authorize', 'succeeded'),
        captured: await payments('capture', 'succeeded'),
        refunded: await payments('refund', 'succeeded'),
        amount: await value('ecotrack_refunded_minor_units_total', { provider: 'stripe', currency: 'EUR' }),
        calls: [await calls('authorize'), await calls('capture'), await calls('refund')],
      };
      const saga = newSaga();
      const first = await send('AuthorizePayment', saga);
      await player.deliver(first); // the same message again: stopped by the inbox
      expect(await answer(await send('AuthorizePayment', saga))).toBe('PaymentAuthorized'); // a resend: answered from the row
      expect(await answer(await send('CapturePayment', saga))).toBe('PaymentCaptured');
      expect(await answer(await send('RefundPayment', saga))).toBe('PaymentRefunded');
      expect(await answer(await send('RefundPayment', saga))).toBe('PaymentRefunded'); // a resent refund: nothing moves

      expect(await payments('authorize', 'succeeded')).toBe(before.authorized + 1);
      expect(await payments('capture', 'succeeded')).toBe(before.captured + 1);
      expect(await payments('refund', 'succeeded')).toBe(before.refunded + 1);
      expect(await value('ecotrack_refunded_minor_units_total', { provider: 'stripe', currency: 'EUR' })).toBe(before.amount + 1_234);
      expect([await calls('authorize'), await calls('capture'), await calls('refund')]).toEqual(before.calls.map((n) => n + 1));
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a card the provider declines counts declined once (the resend is answered from the row); an unreachable provider counts failed',
    async () => {
      const declinedBefore = await payments('authorize', 'declined');
      const failedBefore = await payments('authorize', 'failed');
      const declined = newSaga(STRIPE_DECLINED_PAYMENT_METHOD);
      expect(await answer(await send('AuthorizePayment', declined))).toBe('PaymentAuthorizationFailed');
      expect(await answer(await send('AuthorizePayment', declined))).toBe('PaymentAuthorizationFailed');
      expect(await payments('authorize', 'declined')).toBe(declinedBefore + 1);

      const STALLING = 'pm_card_mastercard';
      participant.front.delay(STALLING, 20 * GATEWAY_TIMEOUT_MS);
      try {
        expect(await answer(await send('AuthorizePayment', newSaga(STALLING)))).toBe('PaymentAuthorizationFailed');
      } finally {
        participant.front.delay(STALLING, 0);
      }
      expect(await payments('authorize', 'failed')).toBe(failedBefore + 1);
      expect(await payments('authorize', 'declined')).toBe(declinedBefore + 1);
    },
    TEST_TIMEOUT_MS,
  );

  it('every provider, operation and outcome is a series from the start, so ratios never lack a denominator', async () => {
    const text = await participant.app.get<Registry>(METRICS_REGISTRY).metrics();
    for (const provider of ['stripe', 'paypal']) {
      for (const operation of ['authorize', 'capture', 'void', 'refund']) {
        for (const outcome of ['succeeded', 'declined', 'failed']) {
          expect(text).toMatch(new RegExp(`^ecotrack_payments_total\\{provider="${provider}",operation="${operation}",outcome="${outcome}",service="payment-service"\\} \\d+$`, 'm'));
        }
      }
    }
  });
});
