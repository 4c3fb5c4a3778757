import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  createEnvelope,
  deadLetterTopic,
  decodeHeaders,
  ensureTopics,
  EventsRuntime,
  messageHeaders,
  parseMessageValue,
  topics,
  type Envelope,
  type MessageType,
  type OutgoingPayload,
} from '@ecotrack/events';
import { consumerJoined, SagaPlayer, type ServiceProcess } from '@ecotrack/testing';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { clientAs, closeTestIdentity, deleteOrdersOf, ProductFixtures, startOrderService, startProductService, type Client } from '../../../apps/order-service/test/support';
import { outboxEnvelope, outboxPosition, verifyProvider } from '../support/provider';

/*
 * order-service as the provider of the saga's commands (product.commands, payment.commands) and
 * of its order events (order.events). Every message comes from order-service's own code path: the
 * real application in this process places orders through its HTTP API, its sagas write each
 * command to the outbox, and the test reads it back from there (outboxEnvelope).
 *
 * The sagas advance on replies over real Kafka: the test plays the participants, publishing on
 * order.saga.replies each reply as product-service's and payment-service's replyTo would write it
 * (keyed by and correlated to the saga, caused by the command it answers). The real product-service
 * runs too (a child process: order-service prices from it over HTTP) and, reading product.commands
 * in its group, may answer the product commands as well; whichever reply comes second is a
 * duplicate the coordinator ignores (it no longer awaits that command). Answering them here keeps
 * the saga independent of that group's rebalances when other product-service instances come and go.
 *
 *   confirmed:  ReserveInventory, AuthorizePayment, CapturePayment, ConfirmReservation -> OrderConfirmed
 *   cancelled:  (that order) RefundPayment, RestockReservation -> OrderCancelled
 *   rejected:   ReserveInventory, AuthorizePayment, CapturePayment refused -> VoidPayment, ReleaseReservation -> OrderRejected
 */
const PROVIDER = 'order-service';
const SETUP_TIMEOUT_MS = 10 * 60_000;

type Participant = 'product-service' | 'payment-service';

describe('order-service as a provider (product.commands, payment.commands, order.events)', () => {
  let products: ServiceProcess;
  let fixtures: ProductFixtures;
  let app: NestFastifyApplication;
  let db: DataSource;
  let player: SagaPlayer;
  let customer: Client;
  /** Each message as order-service wrote it to its outbox, by type. */
  const written = new Map<string, unknown>();

  /** The next command or event of this type order-service writes after `after`, recorded for the verifier. */
  async function read<T extends MessageType>(topic: string, type: T, after: number): Promise<Envelope<T>> {
    const envelope = (await outboxEnvelope(db, topic, type, after)) as Envelope<T>;
    written.set(type, envelope);
    return envelope;
  }

  /** A participant's reply to a command, on order.saga.replies (as its replyTo writes it). */
  async function answer<T extends MessageType>(command: Envelope, participant: Participant, type: T, payload: OutgoingPayload<T>): Promise<void> {
    const sagaId = command.correlationId!;
    await player.publish(topics.order.sagaReplies, createEnvelope(participant, { type, aggregateId: sagaId, correlationId: sagaId, causationId: command.id, payload }));
  }

  /** Places an order over the HTTP API and answers its saga's commands; `captured` says whether the capture goes through. */
  async function purchase(captured: boolean): Promise<{ orderId: string }> {
    const after = await outboxPosition(db);
    const productId = await fixtures.product({ name: 'Pact basket item', priceCents: 1250 });
    const response = await customer.inject({
      method: 'POST',
      url: '/v1/orders',
      headers: { 'idempotency-key': randomUUID() },
      payload: { items: [{ productId, quantity: 2 }], payment: { provider: 'stripe', paymentMethodToken: 'pm_card_visa' } },
    });
    expect(response.statusCode).toBe(202);
    const orderId: string = response.json().id;

    const reserve = await read(topics.product.commands, 'ReserveInventory', after);
    expect(reserve.payload.orderId).toBe(orderId);
    const { reservationId } = reserve.payload;
    await answer(reserve, 'product-service', 'InventoryReserved', { reservationId, orderId });
    const authorize = await read(topics.payment.commands, 'AuthorizePayment', after);
    const { paymentId, userId, amountCents, currency } = authorize.payload;
    await answer(authorize, 'payment-service', 'PaymentAuthorized', { orderId, paymentId: paymentId! });
    const capture = await read(topics.payment.commands, 'CapturePayment', after);
    if (captured) {
      await answer(capture, 'payment-service', 'PaymentCaptured', { orderId, paymentId: paymentId!, userId, amountCents, currency });
      await answer(await read(topics.product.commands, 'ConfirmReservation', after), 'product-service', 'ReservationConfirmed', { reservationId });
      await read(topics.order.events, 'OrderConfirmed', after);
    } else {
      // The capture refused: the saga compensates, voiding the authorization, then releasing the units.
      await answer(capture, 'payment-service', 'PaymentCaptureFailed', { orderId, paymentId: paymentId!, reason: 'card expired before capture' });
      await answer(await read(topics.payment.commands, 'VoidPayment', after), 'payment-service', 'PaymentVoided', { orderId, paymentId: paymentId! });
      await answer(await read(topics.product.commands, 'ReleaseReservation', after), 'product-service', 'ReservationReleased', { reservationId });
      await read(topics.order.events, 'OrderRejected', after);
    }
    return { orderId };
  }

  /** The customer cancels the confirmed order: the money goes back, the units return to stock. */
  async function cancel(orderId: string): Promise<void> {
    const after = await outboxPosition(db);
    const response = await customer.inject({ method: 'POST', url: `/v1/orders/${orderId}/cancel` });
    expect(response.statusCode).toBe(202);
    const refund = await read(topics.payment.commands, 'RefundPayment', after);
    const authorize = written.get('AuthorizePayment') as Envelope<'AuthorizePayment'>;
    const { userId, amountCents, currency } = authorize.payload;
    await answer(refund, 'payment-service', 'PaymentRefunded', { ...refund.payload, userId, amountCents, currency });
    const restock = await read(topics.product.commands, 'RestockReservation', after);
    await answer(restock, 'product-service', 'ReservationRestocked', { reservationId: restock.payload.reservationId });
    await read(topics.order.events, 'OrderCancelled', after);
  }

  beforeAll(async () => {
    player = await SagaPlayer.start({
      envelopes: { createEnvelope, messageHeaders, decodeHeaders, parseMessageValue, ensureTopics },
      commands: topics.payment.commands,
      replies: topics.order.sagaReplies,
      deadLetters: deadLetterTopic(topics.order.sagaReplies),
    });
    products = await startProductService();
    fixtures = await ProductFixtures.connect();
    // Steps wait for the test's answers, never resent meanwhile (a resend would be a new command id).
    app = await startOrderService(products.baseUrl, { SAGA_STEP_TIMEOUT_MS: '300000', RATE_LIMIT_ENABLED: 'false' });
    db = app.get(DataSource);
    await consumerJoined('order-service reading order.saga.replies', () => app.get(EventsRuntime).consumer);
    customer = await clientAs(app, ['customer']);

    const { orderId } = await purchase(true);
    await cancel(orderId);
    await purchase(false);
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    if (db && customer) await deleteOrdersOf(db, [customer.userId]);
    await app?.close();
    await fixtures?.close();
    await products?.stop();
    await player?.stop();
    await closeTestIdentity();
  }, 60_000);

  it('satisfies every consumer pact', async () => {
    const messages = Object.fromEntries([...written.keys()].map((type) => [type, async () => written.get(type)]));
    const verified = await verifyProvider({ provider: PROVIDER, messages });
    console.log(`verified ${verified.length} interactions:\n${verified.join('\n')}`);
  }, 120_000);
});
