import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { EventsMetrics, Header, topics, type CommandPayloads, type MessageType } from '@ecotrack/events';
import { TransitCipher } from '@ecotrack/secrets';
import { SagaPlayer, STRIPE_DECLINED_PAYMENT_METHOD, type Received, type SagaIds, type StripeFront, type StripeFrontRequest, waitUntil } from '@ecotrack/testing';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { startPaymentParticipant, type PaymentParticipant } from './support';

/*
 * payment-service in process (startPaymentParticipant: real PostgreSQL and Kafka, a commands topic
 * and group of its own, Stripe = stripe-mock behind a front that can decline and stall). The test
 * plays the order saga: it produces command envelopes (keyed by order id, correlationId = the saga
 * id) and reads order.saga.replies and payment.events.
 *
 * Fences instead of sleeps: the commands of one order share a partition and are handled in order,
 * and the replies of one saga share a partition and are published in order. So once the reply to a
 * later command of a saga is here, whatever an earlier command of that saga caused is here too.
 */
const GATEWAY_TIMEOUT_MS = 1_000;
const TEST_TIMEOUT_MS = 90_000;

/** One order's saga as order-service runs it: its ids (the saga chooses the payment id up front). */
interface Saga extends SagaIds {
  paymentId: string;
  userId: string;
}

interface TestSaga extends Saga {
  amountCents: number;
  paymentMethodToken: string;
}

interface PaymentRow {
  status: string;
  user_id: string | null;
  provider: string | null;
  provider_reference: string | null;
  capture_reference: string | null;
  refund_reference: string | null;
  /** Decrypted here from failure_reason_ciphertext (the row holds only ciphertext). */
  failure_reason: string | null;
  /** Decrypted here from payment_method_ciphertext. */
  payment_method: unknown;
  amount_cents: number | null;
  currency: string | null;
}

describe('payment-service as a participant of the order saga (payment.commands → order.saga.replies, payment.events)', () => {
  let participant: PaymentParticipant;
  /** The participant's own commands topic. */
  let COMMANDS: string;
  let front: StripeFront;
  let app: NestFastifyApplication;
  let db: DataSource;
  let player: SagaPlayer<CommandPayloads>;
  const sagas: TestSaga[] = [];

  /** A new order's saga; every payment gets its own amount, so sums say which payments they add up. */
  const newSaga = (paymentMethodToken = 'pm_card_visa'): TestSaga => {
    const saga = { ...SagaPlayer.saga(), paymentId: randomUUID(), userId: randomUUID(), amountCents: 1_000 + 111 * sagas.length, paymentMethodToken };
    sagas.push(saga);
    return saga;
  };
  const authorizePayment = (saga: TestSaga) => ({
    paymentId: saga.paymentId,
    orderId: saga.orderId,
    userId: saga.userId,
    amountCents: saga.amountCents,
    currency: 'EUR',
    provider: 'stripe' as const,
    paymentMethodToken: saga.paymentMethodToken,
  });
  const ids = (saga: TestSaga) => ({ orderId: saga.orderId, paymentId: saga.paymentId });
  const facts = (saga: TestSaga) => ({ ...ids(saga), userId: saga.userId, amountCents: saga.amountCents, currency: 'EUR' });
  const send = (type: 'AuthorizePayment' | 'CapturePayment' | 'VoidPayment' | 'RefundPayment', saga: TestSaga) =>
    type === 'AuthorizePayment' ? player.send(type, saga, authorizePayment(saga)) : player.send(type, saga, ids(saga));

  const reply = (command: { id: string; type: string }) => player.reply(command);
  const repliesOf = (saga: Saga) => player.repliesOf(saga);
  const eventsOf = (saga: Saga, type: MessageType) => player.on(topics.payment.events, (message) => message.key === saga.paymentId && message.envelope.type === type);
  const event = (saga: Saga, type: MessageType) => player.next(`${type} for payment ${saga.paymentId} on payment.events`, () => eventsOf(saga, type)[0]);
  /** What reached the provider for this payment (the gateway's idempotency keys are `<paymentId>:<operation>`). */
  const gatewayCalls = (saga: Saga, operation = ''): StripeFrontRequest[] =>
    front.requests.filter((request) => request.idempotencyKey?.startsWith(`${saga.paymentId}:${operation}`));
  /** The row, its encrypted fields decrypted with the service's own cipher after checking they are ciphertext. */
  const row = async (saga: Saga): Promise<PaymentRow | undefined> => {
    const [stored] = await db.query(
      `SELECT status, user_id, provider, provider_reference, capture_reference, refund_reference, failure_reason AS legacy_failure_reason,
              failure_reason_ciphertext, payment_method_ciphertext, amount_cents::int AS amount_cents, currency
         FROM payments WHERE id = $1`,
      [saga.paymentId],
    );
    if (!stored) return undefined;
    const { legacy_failure_reason: legacy, failure_reason_ciphertext: reason, payment_method_ciphertext: method, ...rest } = stored;
    expect(legacy).toBeNull();
    const decrypt = async (ciphertext: string | null) => {
      if (ciphertext === null) return null;
      expect(ciphertext).toMatch(/^vault:v\d+:/);
      return app.get(TransitCipher).decrypt(ciphertext);
    };
    const paymentMethod = await decrypt(method);
    return { ...rest, failure_reason: await decrypt(reason), payment_method: paymentMethod === null ? null : JSON.parse(paymentMethod) };
  };
  /** Messages this payment put into the outbox for payment.events (written with the change; kept after publishing). */
  const outboxEvents = async (saga: Saga, type?: MessageType): Promise<number> =>
    Number(
      (
        await db.query(`SELECT count(*)::int AS n FROM outbox WHERE topic = $1 AND message_key = $2 AND ($3::text IS NULL OR message_type = $3)`, [
          topics.payment.events,
          saga.paymentId,
          type ?? null,
        ])
      )[0].n,
    );
  const expectReply = (message: Received, saga: Saga, type: MessageType, payload: Record<string, unknown>) => {
    expect(message.envelope.type).toBe(type);
    expect(message.envelope.payload).toEqual(payload);
    // replyTo: keyed by the saga, correlated to it, caused by the command.
    expect(message.key).toBe(saga.sagaId);
    expect(message.envelope).toMatchObject({ source: 'payment-service', aggregateId: saga.sagaId, correlationId: saga.sagaId });
  };

  async function authorized(saga: TestSaga): Promise<string> {
    expectReply(await reply(await send('AuthorizePayment', saga)), saga, 'PaymentAuthorized', ids(saga));
    return (await row(saga))!.provider_reference!;
  }
  async function captured(saga: TestSaga): Promise<void> {
    expectReply(await reply(await send('CapturePayment', saga)), saga, 'PaymentCaptured', facts(saga));
  }

  beforeAll(async () => {
    participant = await startPaymentParticipant('test', {
      PAYMENT_GATEWAY_TIMEOUT_MS: String(GATEWAY_TIMEOUT_MS),
      CONSUMER_RETRY_MAX_DELAY_MS: '500',
    });
    ({ app, db, player, front, commands: COMMANDS } = participant);
  }, 15 * 60_000);

  afterAll(() => participant?.close(sagas.map((saga) => saga.orderId)));

  afterEach(() => {
    expect(player.invalid).toEqual([]);
  });

  it(
    'AuthorizePayment: authorized at Stripe once, row AUTHORIZED, PaymentAuthorized; the same message again and a resend under a new id get the same answer without a second gateway call',
    async () => {
      const saga = newSaga();
      const first = await send('AuthorizePayment', saga);
      await player.deliver(first); // the very same message (same id): a redelivery, stopped by the inbox
      const resend = await send('AuthorizePayment', saga); // the saga's resend: same payment, NEW message id

      const answer = await reply(resend);
      expectReply(answer, saga, 'PaymentAuthorized', ids(saga));
      // Fence: the redelivery was handled before the resend, so its reply (if any) would be here by now.
      expect(repliesOf(saga).map((message) => [message.envelope.type, message.envelope.causationId])).toEqual([
        ['PaymentAuthorized', first.id],
        ['PaymentAuthorized', resend.id],
      ]);
      expectReply(repliesOf(saga)[0], saga, 'PaymentAuthorized', ids(saga));

      const calls = gatewayCalls(saga);
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({
        method: 'POST',
        path: '/v1/payment_intents',
        idempotencyKey: `${saga.paymentId}:authorize`,
        status: 200,
        params: {
          amount: String(saga.amountCents),
          currency: 'eur',
          capture_method: 'manual',
          confirm: 'true',
          payment_method: 'pm_card_visa',
          'metadata[orderId]': saga.orderId,
        },
      });
      expect(await row(saga)).toEqual({
        status: 'AUTHORIZED',
        user_id: saga.userId,
        provider: 'stripe',
        provider_reference: expect.stringMatching(/^pi_/),
        capture_reference: null,
        refund_reference: null,
        failure_reason: null,
        // From stripe-mock's charge fixture: the card the charge used.
        payment_method: { type: 'card', brand: 'visa', last4: '4242' },
        amount_cents: saga.amountCents,
        currency: 'EUR',
      });
      // Nothing about an authorization goes to payment.events.
      expect(await outboxEvents(saga)).toBe(0);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'AuthorizePayment declined by the card (pm_card_chargeDeclined): PaymentAuthorizationFailed with the decline as the reason, row FAILED; a resend is answered from the row',
    async () => {
      const saga = newSaga(STRIPE_DECLINED_PAYMENT_METHOD);
      const answer = await reply(await send('AuthorizePayment', saga));
      expectReply(answer, saga, 'PaymentAuthorizationFailed', { ...ids(saga), reason: expect.stringMatching(/declined.*Your card was declined/) });
      expect(gatewayCalls(saga)).toEqual([expect.objectContaining({ path: '/v1/payment_intents', status: 402, declined: true })]);
      expect(await row(saga)).toMatchObject({ status: 'FAILED', failure_reason: answer.envelope.payload.reason, provider_reference: null, user_id: saga.userId });

      const again = await reply(await send('AuthorizePayment', saga));
      expectReply(again, saga, 'PaymentAuthorizationFailed', answer.envelope.payload);
      expect(gatewayCalls(saga)).toHaveLength(1);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'AuthorizePayment when the provider does not answer within PAYMENT_GATEWAY_TIMEOUT_MS: PaymentAuthorizationFailed "payment provider unavailable" before the provider ever answers, row FAILED; a resend makes no new call',
    async () => {
      const STALLING = 'pm_card_mastercard';
      front.delay(STALLING, 20 * GATEWAY_TIMEOUT_MS);
      try {
        const saga = newSaga(STALLING);
        const answer = await reply(await send('AuthorizePayment', saga));
        // The order is rejected promptly: at this point the provider has answered none of our calls.
        const callsAtReply = gatewayCalls(saga).map(({ idempotencyKey, status }) => ({ idempotencyKey, status }));
        expectReply(answer, saga, 'PaymentAuthorizationFailed', { ...ids(saga), reason: 'payment provider unavailable' });
        // The adapter's bounded retries: the call and the Stripe SDK's one retry, under the same idempotency key.
        expect(callsAtReply).toEqual([
          { idempotencyKey: `${saga.paymentId}:authorize`, status: undefined },
          { idempotencyKey: `${saga.paymentId}:authorize`, status: undefined },
        ]);
        expect(await row(saga)).toMatchObject({ status: 'FAILED', failure_reason: 'payment provider unavailable', provider_reference: null });

        const again = await reply(await send('AuthorizePayment', saga));
        expectReply(again, saga, 'PaymentAuthorizationFailed', answer.envelope.payload);
        expect(gatewayCalls(saga)).toHaveLength(2);
      } finally {
        front.delay(STALLING, 0);
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'CapturePayment: captured once, PaymentCaptured as the reply AND as an event on payment.events; a resend gets the same reply, with no second capture and no second event',
    async () => {
      const saga = newSaga();
      const intent = await authorized(saga);
      const capture = await send('CapturePayment', saga);
      expectReply(await reply(capture), saga, 'PaymentCaptured', facts(saga));

      const captureEvent = await event(saga, 'PaymentCaptured');
      expect(captureEvent.envelope.payload).toEqual(facts(saga));
      expect(captureEvent.envelope).toMatchObject({ source: 'payment-service', aggregateId: saga.paymentId, correlationId: saga.sagaId, causationId: capture.id });
      expect(await row(saga)).toMatchObject({ status: 'CAPTURED', capture_reference: intent });

      const resend = await send('CapturePayment', saga);
      expectReply(await reply(resend), saga, 'PaymentCaptured', facts(saga));
      expect(gatewayCalls(saga, 'capture')).toEqual([
        expect.objectContaining({ path: `/v1/payment_intents/${intent}/capture`, params: { amount_to_capture: String(saga.amountCents) }, status: 200 }),
      ]);
      // The event is written only in the transaction that moves the row: one in the outbox, so one published.
      expect(await outboxEvents(saga)).toBe(1);
      expect(eventsOf(saga, 'PaymentCaptured')).toHaveLength(1);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'CapturePayment while the provider is unreachable: no failure reply; the handler throws, the consumer retries with backoff, and once the provider answers the payment is captured, always under one idempotency key',
    async () => {
      const STALLING = 'pm_card_amex';
      const saga = newSaga(STALLING);
      await authorized(saga);
      const retriedBefore = await retried('CapturePayment');
      front.delay(STALLING, 20 * GATEWAY_TIMEOUT_MS); // the front remembers which PaymentIntent was made with it
      let capture: { id: string; type: string };
      try {
        capture = await send('CapturePayment', saga);
        // The handler's first attempt: the call and the SDK's retry, both held beyond the timeout.
        await waitUntil('two capture calls held by the front', () => gatewayCalls(saga, 'capture').length >= 2);
      } finally {
        front.delay(STALLING, 0); // the provider is back (the two calls already held stay held)
      }
      expectReply(await reply(capture), saga, 'PaymentCaptured', facts(saga));
      expect(repliesOf(saga).map((message) => message.envelope.type)).toEqual(['PaymentAuthorized', 'PaymentCaptured']);
      expect(await retried('CapturePayment')).toBeGreaterThan(retriedBefore);

      const calls = gatewayCalls(saga, 'capture');
      expect(calls.length).toBeGreaterThanOrEqual(3);
      expect(new Set(calls.map((call) => call.idempotencyKey))).toEqual(new Set([`${saga.paymentId}:capture`]));
      expect(calls.filter((call) => call.status === 200 && call.delayedMs === 0)).toHaveLength(1);
      expect(await row(saga)).toMatchObject({ status: 'CAPTURED' });
      expect(await outboxEvents(saga, 'PaymentCaptured')).toBe(1);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'VoidPayment before capture (compensation): the hold is dropped, row VOIDED, PaymentVoided; a resend makes no second void',
    async () => {
      const saga = newSaga();
      const intent = await authorized(saga);
      expectReply(await reply(await send('VoidPayment', saga)), saga, 'PaymentVoided', ids(saga));
      expect(await row(saga)).toMatchObject({ status: 'VOIDED', provider_reference: intent });

      expectReply(await reply(await send('VoidPayment', saga)), saga, 'PaymentVoided', ids(saga));
      expect(gatewayCalls(saga, 'void')).toEqual([expect.objectContaining({ path: `/v1/payment_intents/${intent}/cancel`, status: 200 })]);
      expect(gatewayCalls(saga, 'refund')).toEqual([]);
      expect(await outboxEvents(saga)).toBe(0);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'VoidPayment after the capture went through: the money goes back (row REFUNDED, PaymentRefunded on payment.events) and the saga hears PaymentVoided; a resend refunds nothing more',
    async () => {
      const saga = newSaga();
      const intent = await authorized(saga);
      await captured(saga);
      const compensation = await send('VoidPayment', saga);
      expectReply(await reply(compensation), saga, 'PaymentVoided', ids(saga));
      expect(await row(saga)).toMatchObject({ status: 'REFUNDED', refund_reference: expect.stringMatching(/^re_/) });
      const refundEvent = await event(saga, 'PaymentRefunded');
      expect(refundEvent.envelope.payload).toEqual(facts(saga));
      expect(refundEvent.envelope.causationId).toBe(compensation.id);

      expectReply(await reply(await send('VoidPayment', saga)), saga, 'PaymentVoided', ids(saga));
      expect(gatewayCalls(saga, 'refund')).toEqual([
        expect.objectContaining({ path: '/v1/refunds', params: { payment_intent: intent, amount: String(saga.amountCents) }, status: 200 }),
      ]);
      expect(gatewayCalls(saga, 'void')).toEqual([]); // a captured PaymentIntent is refunded, not cancelled
      expect(await outboxEvents(saga, 'PaymentRefunded')).toBe(1);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'VoidPayment before any AuthorizePayment: a VOIDED tombstone and PaymentVoided; the late AuthorizePayment is refused ("payment was cancelled") without any gateway call',
    async () => {
      const saga = newSaga();
      expectReply(await reply(await send('VoidPayment', saga)), saga, 'PaymentVoided', ids(saga));
      expect(await row(saga)).toEqual({
        status: 'VOIDED',
        user_id: null,
        provider: null,
        provider_reference: null,
        capture_reference: null,
        refund_reference: null,
        failure_reason: null,
        payment_method: null,
        amount_cents: null,
        currency: null,
      });

      const late = await send('AuthorizePayment', saga);
      expectReply(await reply(late), saga, 'PaymentAuthorizationFailed', { ...ids(saga), reason: 'payment was cancelled' });
      expect(gatewayCalls(saga)).toEqual([]);
      expect(await row(saga)).toMatchObject({ status: 'VOIDED', provider: null });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'RefundPayment (cancel-order): refunded once; PaymentRefunded as the reply AND as an event; a resend gets the same reply, with no second refund and no second event',
    async () => {
      const saga = newSaga();
      const intent = await authorized(saga);
      await captured(saga);
      const refund = await send('RefundPayment', saga);
      expectReply(await reply(refund), saga, 'PaymentRefunded', facts(saga));
      const refundEvent = await event(saga, 'PaymentRefunded');
      expect(refundEvent.envelope.payload).toEqual(facts(saga));
      expect(refundEvent.envelope).toMatchObject({ aggregateId: saga.paymentId, causationId: refund.id });
      expect(await row(saga)).toMatchObject({ status: 'REFUNDED', refund_reference: expect.stringMatching(/^re_/) });

      expectReply(await reply(await send('RefundPayment', saga)), saga, 'PaymentRefunded', facts(saga));
      expect(gatewayCalls(saga, 'refund')).toEqual([
        expect.objectContaining({ path: '/v1/refunds', params: { payment_intent: intent, amount: String(saga.amountCents) }, status: 200 }),
      ]);
      expect(await outboxEvents(saga, 'PaymentRefunded')).toBe(1);
      expect(eventsOf(saga, 'PaymentRefunded')).toHaveLength(1);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'RefundPayment for a payment that was never captured: no reply, no gateway call; dead-lettered at once for a human, the hold untouched',
    async () => {
      const saga = newSaga();
      await authorized(saga);
      const refund = await send('RefundPayment', saga);
      const dead = await player.deadLetter(refund);
      expect(dead.headers[Header.error]).toContain('never captured');
      expect(dead.headers[Header.attempts]).toBe('1'); // NonRetryableMessageError: no retries
      const written = await db.query(`SELECT count(*)::int AS n FROM outbox WHERE payload->>'causationId' = $1`, [refund.id]);
      expect(written[0].n).toBe(0);
      expect(gatewayCalls(saga, 'refund')).toEqual([]);
      expect(await row(saga)).toMatchObject({ status: 'AUTHORIZED' });
    },
    TEST_TIMEOUT_MS,
  );

  it('the Stripe front validates first: a request stripe-mock refuses stays refused, even with the decline token', async () => {
    const response = await fetch(`${front.url}/v1/payment_intents`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk_test_front', 'content-type': 'application/x-www-form-urlencoded' },
      body: `amount=100&currency=eur&confirm=true&payment_method=${STRIPE_DECLINED_PAYMENT_METHOD}&card_number=4242424242424242`,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
  });

  it(
    'the amounts the payments table says were captured are exactly what was captured at the gateway (one capture per idempotency key)',
    async () => {
      const ours = new Set(sagas.map((saga) => saga.paymentId));
      const rows: { id: string; amount: number }[] = await db.query(
        `SELECT id, amount_cents::int AS amount FROM payments WHERE id = ANY($1::uuid[]) AND status IN ('CAPTURED', 'REFUNDED')`,
        [[...ours]],
      );
      // Stripe applies a capture once per idempotency key (`<paymentId>:capture`), however often it is sent.
      const capturedAtGateway = new Map<string, number>();
      for (const request of front.requests) {
        const [paymentId, operation] = request.idempotencyKey?.split(':') ?? [];
        if (operation === 'capture' && ours.has(paymentId) && request.status === 200) capturedAtGateway.set(paymentId, Number(request.params.amount_to_capture));
      }
      // The captures made by the tests above (capture, capture after an outage, void after capture, refund).
      expect(rows.length).toBeGreaterThanOrEqual(4);
      expect(new Map(rows.map((r) => [r.id, r.amount]))).toEqual(capturedAtGateway);
      const sum = (values: Iterable<number>) => [...values].reduce((total, value) => total + value, 0);
      expect(sum(rows.map((r) => r.amount))).toBe(sum(capturedAtGateway.values()));
    },
    TEST_TIMEOUT_MS,
  );

  /** ecotrack_messages_consumed_total{topic=<ours>, type, result="retried"}. */
  async function retried(type: MessageType): Promise<number> {
    const metric = await app.get(EventsMetrics).consumed.get();
    return metric.values.find((value) => value.labels.topic === COMMANDS && value.labels.type === type && value.labels.result === 'retried')?.value ?? 0;
  }
});
