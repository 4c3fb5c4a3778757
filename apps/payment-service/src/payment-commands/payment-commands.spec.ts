import { Logger } from '@nestjs/common';
import { createEnvelope, MessageHandlers, NonRetryableMessageError, topics, type OutboxDraft, type OutboxWriter } from '@ecotrack/events';
import type { EntityManager } from 'typeorm';
import { PaymentGatewayError } from '../providers/payment-gateway';
import type { PaymentStatus } from '../payments/payment.entity';
import type { PaymentRecord } from '../payments/payment-fields';
import type { PaymentsService } from '../payments/payments.service';
import { derivedPaymentId } from './command-decisions';
import { PaymentCommands } from './payment-commands';

/*
 * The handlers' branches with PaymentsService and the outbox faked (no I/O). The integration test
 * (test/saga-participant.int-spec.ts) runs the same handlers against Kafka, PostgreSQL and Stripe;
 * here are the branches stripe-mock cannot produce: a refused capture, an outage during a void,
 * a database error after the provider answered, malformed commands.
 */
const sagaId = '11111111-1111-4111-8111-111111111111';
const orderId = '22222222-2222-4222-8222-222222222222';
const paymentId = '33333333-3333-4333-8333-333333333333';
const userId = '44444444-4444-4444-8444-444444444444';
const manager = {} as EntityManager;

const payment = (status: PaymentStatus, overrides: Partial<PaymentRecord> = {}): PaymentRecord => ({
  id: paymentId,
  orderId,
  userId,
  provider: 'stripe',
  providerReference: 'pi_1',
  authorizationReference: 'pi_1',
  captureReference: status === 'CAPTURED' || status === 'REFUNDED' ? 'pi_1' : null,
  refundReference: null,
  status,
  failureReason: null,
  failureReasonCiphertext: null,
  legacyFailureReason: null,
  paymentMethod: null,
  paymentMethodCiphertext: null,
  amountCents: 1999,
  currency: 'EUR',
  createdAt: new Date(),
  updatedAt: new Date(),
  ...overrides,
});

function setup(current: PaymentRecord | null) {
  const written: OutboxDraft[] = [];
  const outbox = { write: jest.fn(async (_manager: EntityManager, draft: OutboxDraft) => void written.push(draft)) };
  const payments = {
    lock: jest.fn(async () => current),
    authorizeNew: jest.fn(async () => payment('AUTHORIZED')),
    recordFailedAuthorization: jest.fn(async () => payment('FAILED')),
    recordTombstone: jest.fn(async () => payment('VOIDED')),
    recordCaptureRefusal: jest.fn(async () => undefined),
    apply: jest.fn(async (_m: EntityManager, p: PaymentRecord, operation: string) => ({ ...p, status: ({ capture: 'CAPTURED', void: 'VOIDED', refund: 'REFUNDED' } as const)[operation as 'capture'] })),
  };
  const handlers = new MessageHandlers();
  const commands = new PaymentCommands(handlers, outbox as unknown as OutboxWriter, payments as unknown as PaymentsService, topics.payment.commands);
  commands.onModuleInit();
  const replies = () => written.filter((draft) => draft.topic === topics.order.sagaReplies).map((draft) => ({ type: draft.type, payload: draft.payload }));
  return { commands, payments, handlers, written, replies };
}

const authorize = (payload: Record<string, unknown> = {}, options: { uncorrelated?: boolean } = {}) =>
  createEnvelope('order-service', {
    type: 'AuthorizePayment',
    aggregateId: orderId,
    correlationId: options.uncorrelated ? undefined : sagaId,
    payload: { paymentId, orderId, userId, amountCents: 1999, currency: 'EUR', provider: 'stripe', paymentMethodToken: 'pm_card_visa', ...payload },
  });
const command = <T extends 'CapturePayment' | 'VoidPayment' | 'RefundPayment'>(type: T) =>
  createEnvelope<T>('order-service', { type, aggregateId: orderId, correlationId: sagaId, payload: { orderId, paymentId } });

describe('PaymentCommands', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterEach(() => jest.restoreAllMocks());

  it('registers one handler per payment command on payment.commands', () => {
    const { handlers } = setup(null);
    expect(handlers.topics).toEqual([topics.payment.commands]);
    for (const type of ['AuthorizePayment', 'CapturePayment', 'VoidPayment', 'RefundPayment'] as const) expect(handlers.find(topics.payment.commands, type)).toBeDefined();
  });

  it('authorize: a reply names the saga (replyTo: correlation, causation, key)', async () => {
    const { commands, written } = setup(null);
    const message = authorize();
    await commands.authorize(message, manager);
    expect(written).toEqual([
      expect.objectContaining({ topic: topics.order.sagaReplies, type: 'PaymentAuthorized', aggregateId: sagaId, correlationId: sagaId, causationId: message.id, payload: { orderId, paymentId } }),
    ]);
  });

  it('authorize with the provider unavailable: FAILED recorded, "payment provider unavailable" replied, a warning naming the payment', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { commands, payments, replies } = setup(null);
    payments.authorizeNew.mockRejectedValueOnce(new PaymentGatewayError('stripe', 'unavailable', 'Request aborted due to timeout being reached (1000ms)'));
    await commands.authorize(authorize(), manager);
    expect(payments.recordFailedAuthorization).toHaveBeenCalledWith(manager, expect.objectContaining({ paymentId }), 'payment provider unavailable');
    expect(replies()).toEqual([{ type: 'PaymentAuthorizationFailed', payload: { orderId, paymentId, reason: 'payment provider unavailable' } }]);
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ paymentId, orderId }), expect.stringContaining('expires at the provider'));
  });

  it('authorize: an error that is not the provider’s answer is thrown (retried), nothing recorded, nothing replied', async () => {
    const { commands, payments, written } = setup(null);
    payments.authorizeNew.mockRejectedValueOnce(new Error('Connection terminated unexpectedly'));
    await expect(commands.authorize(authorize(), manager)).rejects.toThrow('Connection terminated');
    expect(payments.recordFailedAuthorization).not.toHaveBeenCalled();
    expect(written).toEqual([]);
  });

  it('authorize without a paymentId: the id is derived from the saga and the order, so resends name the same payment', async () => {
    const { commands, payments, replies } = setup(null);
    await commands.authorize(authorize({ paymentId: undefined }), manager);
    const derived = derivedPaymentId(sagaId, orderId);
    expect(payments.lock).toHaveBeenCalledWith(manager, derived);
    expect(replies()).toEqual([{ type: 'PaymentAuthorized', payload: { orderId, paymentId: derived } }]);
  });

  it('a command without the saga id is dead-lettered before anything happens (it could never be answered)', async () => {
    const { commands, payments } = setup(null);
    await expect(commands.authorize(authorize({}, { uncorrelated: true }), manager)).rejects.toBeInstanceOf(NonRetryableMessageError);
    expect(payments.lock).not.toHaveBeenCalled();
    expect(payments.authorizeNew).not.toHaveBeenCalled();
  });

  it.each([
    ['another order', payment('AUTHORIZED', { orderId: '55555555-5555-4555-8555-555555555555' })],
    ['another amount', payment('AUTHORIZED', { amountCents: 1 })],
    ['another provider', payment('AUTHORIZED', { provider: 'paypal' })],
  ])('authorize naming an existing payment of %s is dead-lettered, never answered by guess', async (_case, existing) => {
    const { commands, written } = setup(existing);
    await expect(commands.authorize(authorize(), manager)).rejects.toBeInstanceOf(NonRetryableMessageError);
    expect(written).toEqual([]);
  });

  it('capture refused by the provider: PaymentCaptureFailed with the reason, recorded on the payment (the saga voids next)', async () => {
    const { commands, payments, replies } = setup(payment('AUTHORIZED'));
    payments.apply.mockRejectedValueOnce(new PaymentGatewayError('stripe', 'declined', 'Your card was declined.', 402));
    await commands.capture(command('CapturePayment'), manager);
    const reason = 'capture declined (stripe: Your card was declined.)';
    expect(payments.recordCaptureRefusal).toHaveBeenCalledWith(manager, expect.objectContaining({ id: paymentId }), reason);
    expect(replies()).toEqual([{ type: 'PaymentCaptureFailed', payload: { orderId, paymentId, reason } }]);
  });

  it('capture with the provider unavailable: thrown (the consumer retries, the saga resends), no reply', async () => {
    const { commands, payments, written } = setup(payment('AUTHORIZED'));
    payments.apply.mockRejectedValueOnce(new PaymentGatewayError('stripe', 'unavailable', 'ECONNREFUSED'));
    await expect(commands.capture(command('CapturePayment'), manager)).rejects.toBeInstanceOf(PaymentGatewayError);
    expect(written).toEqual([]);
  });

  it('capture of a payment that was never authorized: PaymentCaptureFailed, no gateway call', async () => {
    const { commands, payments, replies } = setup(null);
    await commands.capture(command('CapturePayment'), manager);
    expect(payments.apply).not.toHaveBeenCalled();
    expect(replies()).toEqual([{ type: 'PaymentCaptureFailed', payload: { orderId, paymentId, reason: 'payment was never authorized' } }]);
  });

  it('capture of a payment made over the admin API (no customer to name) is dead-lettered', async () => {
    const { commands } = setup(payment('CAPTURED', { userId: null }));
    await expect(commands.capture(command('CapturePayment'), manager)).rejects.toBeInstanceOf(NonRetryableMessageError);
  });

  it('void with the provider unavailable: thrown (compensation has no failure reply), no reply', async () => {
    const { commands, payments, written } = setup(payment('AUTHORIZED'));
    payments.apply.mockRejectedValueOnce(new PaymentGatewayError('stripe', 'unavailable', 'ECONNRESET'));
    await expect(commands.void(command('VoidPayment'), manager)).rejects.toBeInstanceOf(PaymentGatewayError);
    expect(written).toEqual([]);
  });

  it.each([['FAILED'], ['VOIDED'], ['REFUNDED']] as const)('void of a %s payment: PaymentVoided with no gateway call', async (status) => {
    const { commands, payments, replies } = setup(payment(status));
    await commands.void(command('VoidPayment'), manager);
    expect(payments.apply).not.toHaveBeenCalled();
    expect(replies()).toEqual([{ type: 'PaymentVoided', payload: { orderId, paymentId } }]);
  });

  it('refund: the command is passed as the cause (the event on payment.events carries the saga)', async () => {
    const { commands, payments, replies } = setup(payment('CAPTURED'));
    const message = command('RefundPayment');
    await commands.refund(message, manager);
    expect(payments.apply).toHaveBeenCalledWith(manager, expect.objectContaining({ id: paymentId }), 'refund', message);
    expect(replies()).toEqual([{ type: 'PaymentRefunded', payload: { orderId, paymentId, userId, amountCents: 1999, currency: 'EUR' } }]);
  });
});
