import { topics, type CommandPayloads, type MessageType } from '@ecotrack/events';
import { SagaPlayer, STRIPE_DECLINED_PAYMENT_METHOD, type SagaIds } from '@ecotrack/testing';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { startPaymentParticipant, type PaymentParticipant } from '../../../apps/payment-service/test/support';
import { parseMessageDescription } from '../support/pact';
import { outboxEnvelope, outboxPosition, verifyProvider, type MessageProducer } from '../support/provider';

/*
 * payment-service as the provider of its replies to the order saga (order.saga.replies) and of its
 * payment events (payment.events). Every message comes from payment-service's own command handling:
 * the real application in this process takes saga commands from Kafka (sent by SagaPlayer, playing
 * order-service), calls Stripe (stripe-mock behind the integration tests' front, which declines
 * pm_card_chargeDeclined), and writes its replies and events to its outbox, where the test reads them.
 *
 * As in apps/payment-service/test/saga-participant.int-spec.ts (startPaymentParticipant), this
 * instance reads a commands topic and group of its own (another payment-service may be reading
 * payment.commands); replies and events go to the real topics.
 *
 *   paid:     AuthorizePayment, CapturePayment, RefundPayment -> PaymentAuthorized, PaymentCaptured (reply and event), PaymentRefunded (reply and event)
 *   voided:   AuthorizePayment, VoidPayment                   -> PaymentAuthorized, PaymentVoided
 *   declined: AuthorizePayment, CapturePayment                -> PaymentAuthorizationFailed, PaymentCaptureFailed
 */
const PROVIDER = 'payment-service';
const SETUP_TIMEOUT_MS = 15 * 60_000;

type PaymentCommand = 'AuthorizePayment' | 'CapturePayment' | 'VoidPayment' | 'RefundPayment';

interface PaymentSaga extends SagaIds {
  paymentId: string;
  userId: string;
  paymentMethodToken: string;
}

/**
 * One producer for a type written to several topics (PaymentCaptured and PaymentRefunded are a reply
 * and an event): Pact's message proxy hands each producer the interaction it verifies, whose
 * description names the topic.
 */
const byTopic =
  (type: string, producers: Map<string, unknown>): MessageProducer =>
  async (interaction?: { description?: string }) => {
    const topic = parseMessageDescription(interaction?.description ?? '')?.topic;
    const key = `${topic}/${type}`;
    if (!producers.has(key)) throw new Error(`payment-service wrote no ${type} to ${topic} in this run`);
    return producers.get(key);
  };

describe('payment-service as a provider (order.saga.replies, payment.events)', () => {
  let participant: PaymentParticipant;
  let db: DataSource;
  let player: SagaPlayer<CommandPayloads>;
  const sagas: PaymentSaga[] = [];
  /** Each message as payment-service wrote it to its outbox, by `<topic>/<type>`. */
  const written = new Map<string, unknown>();

  const newSaga = (paymentMethodToken = 'pm_card_visa'): PaymentSaga => {
    const saga = { ...SagaPlayer.saga(), paymentId: randomUUID(), userId: randomUUID(), paymentMethodToken };
    sagas.push(saga);
    return saga;
  };

  /**
   * Sends a command as order-service's saga does, waits for payment-service's reply on Kafka, and
   * reads that reply, and the events it wrote with it, from its outbox.
   */
  async function command(type: PaymentCommand, saga: PaymentSaga, expected: MessageType, events: MessageType[] = []): Promise<void> {
    const ids = { orderId: saga.orderId, paymentId: saga.paymentId };
    const after = await outboxPosition(db);
    const sent =
      type === 'AuthorizePayment'
        ? await player.send(type, saga, { ...ids, userId: saga.userId, amountCents: 4_250, currency: 'EUR', provider: 'stripe', paymentMethodToken: saga.paymentMethodToken })
        : await player.send(type, saga, ids);
    const reply = await player.reply(sent);
    expect(reply.envelope.type).toBe(expected);
    for (const [topic, messageType] of [[topics.order.sagaReplies, expected], ...events.map((event) => [topics.payment.events, event])]) {
      written.set(`${topic}/${messageType}`, await outboxEnvelope(db, topic, messageType, after));
    }
  }

  beforeAll(async () => {
    participant = await startPaymentParticipant('pact');
    ({ db, player } = participant);

    const paid = newSaga();
    await command('AuthorizePayment', paid, 'PaymentAuthorized');
    await command('CapturePayment', paid, 'PaymentCaptured', ['PaymentCaptured']);
    await command('RefundPayment', paid, 'PaymentRefunded', ['PaymentRefunded']);

    const voided = newSaga();
    await command('AuthorizePayment', voided, 'PaymentAuthorized');
    await command('VoidPayment', voided, 'PaymentVoided');

    const declined = newSaga(STRIPE_DECLINED_PAYMENT_METHOD);
    await command('AuthorizePayment', declined, 'PaymentAuthorizationFailed');
    await command('CapturePayment', declined, 'PaymentCaptureFailed');
  }, SETUP_TIMEOUT_MS);

  afterAll(() => participant?.close(sagas.map((saga) => saga.orderId)), 60_000);

  it('satisfies every consumer pact', async () => {
    const types = new Set([...written.keys()].map((key) => key.split('/')[1]));
    const messages = Object.fromEntries([...types].map((type) => [type, byTopic(type, written)]));
    const verified = await verifyProvider({ provider: PROVIDER, messages });
    console.log(`verified ${verified.length} interactions:\n${verified.join('\n')}`);
  }, 120_000);
});
