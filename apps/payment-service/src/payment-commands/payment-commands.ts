import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import {
  MessageHandlers,
  NonRetryableMessageError,
  OutboxWriter,
  replyTo,
  topics,
  type Envelope,
  type MessageType,
  type OutgoingPayload,
} from '@ecotrack/events';
import type { EntityManager } from 'typeorm';
import { paymentFacts, type PaymentFacts } from '../payments/payment-announcements';
import type { Payment } from '../payments/payment.entity';
import { PaymentsService, type NewPayment } from '../payments/payments.service';
import { authorizationFailure, captureRefusal, decideAuthorize, decideCapture, decideRefund, decideVoid, derivedPaymentId } from './command-decisions';

/** The topic the handlers consume: payment.commands, unless a test gives the service a topic of its own. */
export const PAYMENT_COMMANDS_TOPIC = Symbol('PAYMENT_COMMANDS_TOPIC');

type Command = Envelope<'AuthorizePayment' | 'CapturePayment' | 'VoidPayment' | 'RefundPayment'>;

/**
 * payment-service as a participant of the order saga. Each handler runs in the consumer's
 * transaction (the inbox row is already in it): it takes the payment's lock, decides from the row
 * (command-decisions.ts), calls the gateway through PaymentsService when the row must move, and
 * writes the new state, the reply to order.saga.replies and any payment.events message, all in
 * that one transaction. A resend (new message id, same paymentId) finds the row and gets the same
 * answer without a second gateway call; a redelivery (same id) is stopped by the inbox.
 */
@Injectable()
export class PaymentCommands implements OnModuleInit {
  private readonly logger = new Logger(PaymentCommands.name);

  constructor(
    private readonly handlers: MessageHandlers,
    private readonly outbox: OutboxWriter,
    private readonly payments: PaymentsService,
    @Inject(PAYMENT_COMMANDS_TOPIC) private readonly topic: string,
  ) {}

  onModuleInit(): void {
    this.handlers
      .on(this.topic, 'AuthorizePayment', (command, { manager }) => this.authorize(command, manager))
      .on(this.topic, 'CapturePayment', (command, { manager }) => this.capture(command, manager))
      .on(this.topic, 'VoidPayment', (command, { manager }) => this.void(command, manager))
      .on(this.topic, 'RefundPayment', (command, { manager }) => this.refund(command, manager));
  }

  async authorize(command: Envelope<'AuthorizePayment'>, manager: EntityManager): Promise<void> {
    const sagaId = sagaOf(command);
    const { orderId, userId, amountCents, currency, provider, paymentMethodToken } = command.payload;
    const paymentId = command.payload.paymentId ?? derivedPaymentId(sagaId, orderId);
    const request: NewPayment = { paymentId, orderId, userId, provider, amountCents, currency, paymentMethodToken };
    const payment = await this.payments.lock(manager, paymentId);
    if (payment) assertSamePayment(command, payment, request);

    const decision = decideAuthorize(payment);
    if (decision.action === 'reply-authorized') return this.reply(manager, command, 'PaymentAuthorized', { orderId, paymentId });
    if (decision.action === 'reply-failed') return this.reply(manager, command, 'PaymentAuthorizationFailed', { orderId, paymentId, reason: decision.reason });

    try {
      await this.payments.authorizeNew(manager, request);
    } catch (error) {
      const failure = authorizationFailure(error);
      if (!failure) throw error;
      if (failure.unavailable) {
        this.logger.warn(
          { paymentId, orderId, provider, error: (error as Error).message },
          'payment provider unavailable while authorizing: payment recorded FAILED and the order will be rejected; ' +
            'a hold the provider may have placed anyway is never captured and expires at the provider',
        );
      }
      await this.payments.recordFailedAuthorization(manager, request, failure.reason);
      return this.reply(manager, command, 'PaymentAuthorizationFailed', { orderId, paymentId, reason: failure.reason });
    }
    return this.reply(manager, command, 'PaymentAuthorized', { orderId, paymentId });
  }

  async capture(command: Envelope<'CapturePayment'>, manager: EntityManager): Promise<void> {
    sagaOf(command);
    const { orderId, paymentId } = command.payload;
    let payment = await this.payments.lock(manager, paymentId);
    if (payment) assertSamePayment(command, payment);

    const decision = decideCapture(payment);
    if (decision.action === 'reply-capture-failed') return this.reply(manager, command, 'PaymentCaptureFailed', { orderId, paymentId, reason: decision.reason });
    if (decision.action === 'capture') {
      try {
        // Also writes PaymentCaptured to payment.events (the receipt), only on this move.
        payment = await this.payments.apply(manager, payment!, 'capture', command);
      } catch (error) {
        const reason = captureRefusal(error);
        if (!reason) throw error;
        this.logger.warn({ paymentId, orderId, error: (error as Error).message }, 'capture refused by the provider; the saga will void the authorization');
        await this.payments.recordCaptureRefusal(manager, payment!, reason);
        return this.reply(manager, command, 'PaymentCaptureFailed', { orderId, paymentId, reason });
      }
    }
    return this.reply(manager, command, 'PaymentCaptured', factsOf(command, payment!));
  }

  async void(command: Envelope<'VoidPayment'>, manager: EntityManager): Promise<void> {
    sagaOf(command);
    const { orderId, paymentId } = command.payload;
    const payment = await this.payments.lock(manager, paymentId);
    if (payment) assertSamePayment(command, payment);

    const decision = decideVoid(payment);
    switch (decision.action) {
      case 'tombstone':
        // Voided before it was authorized (the authorize command is late or lost): a late one is now refused.
        await this.payments.recordTombstone(manager, paymentId, orderId);
        break;
      case 'void':
        await this.payments.apply(manager, payment!, 'void', command);
        break;
      case 'refund':
        // The capture went through before the compensation: the money goes back (PaymentRefunded on payment.events).
        await this.payments.apply(manager, payment!, 'refund', command);
        break;
      case 'reply-voided':
        break;
    }
    // Provider errors propagate (compensation has no failure reply): retried here with backoff, resent by the saga.
    return this.reply(manager, command, 'PaymentVoided', { orderId, paymentId });
  }

  async refund(command: Envelope<'RefundPayment'>, manager: EntityManager): Promise<void> {
    sagaOf(command);
    const { paymentId } = command.payload;
    let payment = await this.payments.lock(manager, paymentId);
    if (payment) assertSamePayment(command, payment);

    const decision = decideRefund(payment);
    if (decision.action === 'refuse') throw new NonRetryableMessageError(`cannot refund payment ${paymentId}: ${decision.reason}`);
    // Also writes PaymentRefunded to payment.events, only on this move.
    if (decision.action === 'refund') payment = await this.payments.apply(manager, payment!, 'refund', command);
    return this.reply(manager, command, 'PaymentRefunded', factsOf(command, payment!));
  }

  private async reply<T extends MessageType>(manager: EntityManager, command: Command, type: T, payload: OutgoingPayload<T>): Promise<void> {
    await this.outbox.write(manager, replyTo(command, { topic: topics.order.sagaReplies, type, payload }));
  }
}

/** The saga id (a reply without it could never reach its saga): checked before anything happens. */
function sagaOf(command: Command): string {
  if (!command.correlationId) throw new NonRetryableMessageError(`${command.type} ${command.id} carries no correlationId (the saga id); it cannot be answered`);
  return command.correlationId;
}

/** A command naming an existing payment with other facts is a bug somewhere: dead-lettered, never guessed at. */
function assertSamePayment(command: Command, payment: Payment, request?: NewPayment): void {
  const mismatches: string[] = [];
  if (payment.orderId !== command.payload.orderId) mismatches.push(`order ${payment.orderId}`);
  // A tombstone knows no amount, currency or provider; anything else must match what was authorized.
  if (request && payment.provider !== null) {
    if (payment.amountCents !== request.amountCents || payment.currency !== request.currency) mismatches.push(`${payment.amountCents} ${payment.currency}`);
    if (payment.provider !== request.provider) mismatches.push(`provider ${payment.provider}`);
  }
  if (mismatches.length > 0) {
    throw new NonRetryableMessageError(`${command.type} ${command.id}: payment ${payment.id} exists with ${mismatches.join(', ')}, not what the command says`);
  }
}

/** What PaymentCaptured/PaymentRefunded carry; a payment made over the admin API has no customer to name. */
function factsOf(command: Command, payment: Payment): PaymentFacts {
  const facts = paymentFacts(payment);
  if (!facts) throw new NonRetryableMessageError(`${command.type} ${command.id}: payment ${payment.id} was not made by the order saga (no customer)`);
  return facts;
}
