import { Injectable } from '@nestjs/common';
import type { Envelope } from '@ecotrack/events';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import type { GatewayOutcome, PaymentMethodSummary, PaymentProvider } from '../providers/payment-gateway';
import { PaymentGateways } from '../providers/payment-gateways.module';
import type { CreatePaymentDto } from './dto/create-payment.dto';
import { PaymentAnnouncements } from './payment-announcements';
import { PaymentFields, type PaymentRecord } from './payment-fields';
import { PaymentMetrics } from './payment-metrics';
import { Payment, type PaymentStatus } from './payment.entity';
import { IllegalTransitionError, PaymentNotFoundError, type PaymentOperation } from './payment.errors';

/** Each operation: the one status it starts from, the status it ends in, the column its reference goes to. */
const TRANSITIONS: Record<PaymentOperation, { from: PaymentStatus; to: PaymentStatus; column: 'authorizationReference' | 'captureReference' | 'refundReference' }> = {
  capture: { from: 'AUTHORIZED', to: 'CAPTURED', column: 'captureReference' },
  void: { from: 'AUTHORIZED', to: 'VOIDED', column: 'authorizationReference' },
  refund: { from: 'CAPTURED', to: 'REFUNDED', column: 'refundReference' },
};

/** The provider deduplicates on it: the same payment and operation is the same request, however often it is sent. */
export const idempotencyKey = (paymentId: string, operation: PaymentOperation | 'authorize') => `${paymentId}:${operation}`;

/** An authorization to make, with the id chosen by the caller (the saga chooses it up front). */
export interface NewPayment {
  paymentId: string;
  orderId: string;
  /** The customer (saga payments); null over the admin API. */
  userId: string | null;
  provider: PaymentProvider;
  amountCents: number;
  currency: string;
  paymentMethodToken?: string;
}

/**
 * Payments through the provider gateways: one implementation for the admin HTTP API and the saga's
 * commands (src/payment-commands/). Every operation on a payment runs in a transaction that first takes the
 * payment's lock (`lock`), so operations on one payment id, including the first one before its row
 * exists, happen one after the other, and provider webhooks wait for them. The gateway is called
 * inside that transaction; the row and the announcement (payment.events) are written after it, so
 * they commit together or not at all. A retry after a rollback calls the gateway again with the same
 * idempotency key (`<paymentId>:<operation>`), which the provider answers without a second effect.
 * The decline reason and the payment method are encrypted before they are written and decrypted
 * when read (PaymentFields): every payment handed out is a PaymentRecord with them in the clear.
 */
@Injectable()
export class PaymentsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly gateways: PaymentGateways,
    private readonly announcements: PaymentAnnouncements,
    private readonly fields: PaymentFields,
    private readonly metrics: PaymentMetrics,
  ) {}

  /** Admin API: authorizes under a new id; a provider error leaves no row. */
  authorize(request: CreatePaymentDto): Promise<PaymentRecord> {
    const paymentId = randomUUID();
    return this.dataSource.transaction(async (manager) => {
      await this.lock(manager, paymentId);
      return this.authorizeNew(manager, { ...request, paymentId, userId: null });
    });
  }

  async get(id: string): Promise<PaymentRecord> {
    const payment = await this.dataSource.getRepository(Payment).findOneBy({ id });
    if (!payment) throw new PaymentNotFoundError(id);
    return this.fields.reveal(payment);
  }

  /** Admin API: capture, void or refund; 409 (IllegalTransitionError) from any other status. */
  transition(id: string, operation: PaymentOperation): Promise<PaymentRecord> {
    return this.dataSource.transaction(async (manager) => {
      const payment = await this.lock(manager, id);
      if (!payment) throw new PaymentNotFoundError(id);
      return this.apply(manager, payment, operation);
    });
  }

  /**
   * Serializes every operation on this payment id until the transaction ends (an advisory lock, so
   * it holds before the row exists too), then reads the row, locked against webhooks.
   */
  async lock(manager: EntityManager, id: string): Promise<PaymentRecord | null> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`payment:${id}`]);
    const payment = await manager.getRepository(Payment).createQueryBuilder('payment').setLock('pessimistic_write').where('payment.id = :id', { id }).getOne();
    return payment && this.fields.reveal(payment);
  }

  /** Authorizes at the provider and records AUTHORIZED. Provider errors propagate; nothing is written then. */
  async authorizeNew(manager: EntityManager, request: NewPayment): Promise<PaymentRecord> {
    const gateway = this.gateways.get(request.provider);
    const authorization = await this.metrics.call(request.provider, 'authorize', () =>
      gateway.authorize({
        orderId: request.orderId,
        amountCents: request.amountCents,
        currency: request.currency,
        paymentMethodToken: request.paymentMethodToken,
        idempotencyKey: idempotencyKey(request.paymentId, 'authorize'),
      }),
    );
    const authorized = await this.insert(manager, request, {
      status: 'AUTHORIZED',
      providerReference: authorization.providerReference,
      authorizationReference: authorization.authorizationReference,
      paymentMethod: authorization.paymentMethod ?? null,
    });
    this.metrics.countSucceeded(manager, request.provider, 'authorize', request);
    return authorized;
  }

  /** Records an authorization that failed (declined, provider unavailable), so a resend is answered from here. */
  recordFailedAuthorization(manager: EntityManager, request: NewPayment, reason: string): Promise<PaymentRecord> {
    return this.insert(manager, request, { status: 'FAILED', failureReason: reason });
  }

  /** A payment voided before it was ever authorized: the row that makes a late authorization fail. */
  async recordTombstone(manager: EntityManager, paymentId: string, orderId: string): Promise<PaymentRecord> {
    await manager.insert(Payment, { id: paymentId, orderId, status: 'VOIDED', userId: null, provider: null, providerReference: null, amountCents: null, currency: null });
    return Object.assign(await manager.findOneByOrFail(Payment, { id: paymentId }), { failureReason: null, paymentMethod: null });
  }

  /** The provider refused a capture (the authorization stays, to be voided): kept for operators. */
  async recordCaptureRefusal(manager: EntityManager, payment: Payment, reason: string): Promise<void> {
    await manager.update(Payment, { id: payment.id }, await this.fields.encrypt({ failureReason: reason }));
  }

  /**
   * Capture, void or refund a payment locked by `lock`: the gateway, then the row and what
   * payment.events must hear (PaymentCaptured, PaymentRefunded), in the caller's transaction.
   * `cause` is the saga command that asked, if any. Gateway errors propagate and nothing is written.
   */
  async apply(manager: EntityManager, payment: PaymentRecord, operation: PaymentOperation, cause?: Envelope): Promise<PaymentRecord> {
    const step = TRANSITIONS[operation];
    if (payment.status !== step.from) throw new IllegalTransitionError(payment.id, payment.status, operation);
    const outcome = await this.callGateway(payment, operation);
    const result = await manager
      .createQueryBuilder()
      .update(Payment)
      .set({ status: step.to, [step.column]: outcome.reference })
      .where('id = :id AND status = :from', { id: payment.id, from: step.from })
      .execute();
    // Unreachable while every writer takes the row lock; a guard, not a path.
    if (!result.affected) throw new IllegalTransitionError(payment.id, payment.status, operation);
    // The encrypted fields are not touched by a transition: no need to decrypt them again.
    const after = Object.assign(await manager.findOneByOrFail(Payment, { id: payment.id }), { failureReason: payment.failureReason, paymentMethod: payment.paymentMethod });
    await this.announcements.announce(manager, after, step.from, step.to, cause);
    // callGateway checked these are set.
    this.metrics.countSucceeded(manager, payment.provider!, operation, { amountCents: payment.amountCents!, currency: payment.currency! });
    return after;
  }

  private async insert(
    manager: EntityManager,
    request: NewPayment,
    state: Partial<Pick<Payment, 'providerReference' | 'authorizationReference'>> & {
      status: PaymentStatus;
      failureReason?: string | null;
      paymentMethod?: PaymentMethodSummary | null;
    },
  ): Promise<PaymentRecord> {
    const { failureReason = null, paymentMethod = null, ...columns } = state;
    await manager.insert(Payment, {
      id: request.paymentId,
      orderId: request.orderId,
      userId: request.userId,
      provider: request.provider,
      providerReference: null,
      authorizationReference: null,
      captureReference: null,
      refundReference: null,
      amountCents: request.amountCents,
      currency: request.currency,
      ...columns,
      ...(await this.fields.encrypt({ failureReason, paymentMethod })),
    });
    return Object.assign(await manager.findOneByOrFail(Payment, { id: request.paymentId }), { failureReason, paymentMethod });
  }

  private callGateway(payment: Payment, operation: PaymentOperation): Promise<GatewayOutcome> {
    const { provider, amountCents, currency } = payment;
    // Only a tombstone lacks these, and a tombstone is VOIDED: no operation starts there.
    if (!provider || amountCents === null || !currency) throw new IllegalTransitionError(payment.id, payment.status, operation);
    const gateway = this.gateways.get(provider);
    const key = idempotencyKey(payment.id, operation);
    const authorizationReference = payment.authorizationReference ?? payment.providerReference ?? '';
    return this.metrics.call(provider, operation, () => {
      switch (operation) {
        case 'capture':
          return gateway.capture({ authorizationReference, amountCents, currency, idempotencyKey: key });
        case 'void':
          return gateway.void({ authorizationReference, idempotencyKey: key });
        case 'refund':
          return gateway.refund({ captureReference: payment.captureReference ?? payment.providerReference ?? '', amountCents, currency, idempotencyKey: key });
      }
    });
  }
}
