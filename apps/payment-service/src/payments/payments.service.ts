import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { Repository } from 'typeorm';
import { PaymentGateways } from '../gateway/gateway.module';
import type { GatewayOutcome } from '../gateway/payment-gateway';
import type { CreatePaymentDto } from './dto/create-payment.dto';
import { Payment, type PaymentStatus } from './payment.entity';
import { IllegalTransitionError, PaymentNotFoundError, type PaymentOperation } from './payment.errors';

/** Each operation: the one status it starts from, the status it ends in, the column its reference goes to. */
const TRANSITIONS: Record<PaymentOperation, { from: PaymentStatus; to: PaymentStatus; column: 'authorizationReference' | 'captureReference' | 'refundReference' }> = {
  capture: { from: 'AUTHORIZED', to: 'CAPTURED', column: 'captureReference' },
  void: { from: 'AUTHORIZED', to: 'VOIDED', column: 'authorizationReference' },
  refund: { from: 'CAPTURED', to: 'REFUNDED', column: 'refundReference' },
};

/**
 * Payments through the provider gateways. Idempotency keys are `${paymentId}:${operation}`,
 * so a retried operation is deduplicated by the provider. The gateway is called first and the
 * row updated after, guarded by the expected status (a concurrent request loses with a 409).
 */
@Injectable()
export class PaymentsService {
  constructor(
    @InjectRepository(Payment) private readonly payments: Repository<Payment>,
    private readonly gateways: PaymentGateways,
  ) {}

  async authorize(request: CreatePaymentDto): Promise<Payment> {
    const gateway = this.gateways.get(request.provider);
    const id = randomUUID();
    const authorization = await gateway.authorize({
      orderId: request.orderId,
      amountCents: request.amountCents,
      currency: request.currency,
      paymentMethodToken: request.paymentMethodToken,
      idempotencyKey: `${id}:authorize`,
    });
    return this.payments.save(
      this.payments.create({
        id,
        orderId: request.orderId,
        provider: request.provider,
        providerReference: authorization.providerReference,
        authorizationReference: authorization.authorizationReference,
        captureReference: null,
        refundReference: null,
        status: 'AUTHORIZED',
        amountCents: request.amountCents,
        currency: request.currency,
      }),
    );
  }

  async get(id: string): Promise<Payment> {
    const payment = await this.payments.findOneBy({ id });
    if (!payment) throw new PaymentNotFoundError(id);
    return payment;
  }

  async transition(id: string, operation: PaymentOperation): Promise<Payment> {
    const payment = await this.get(id);
    const step = TRANSITIONS[operation];
    if (payment.status !== step.from) throw new IllegalTransitionError(id, payment.status, operation);
    const outcome = await this.callGateway(payment, operation);
    const result = await this.payments
      .createQueryBuilder()
      .update(Payment)
      .set({ status: step.to, [step.column]: outcome.reference })
      .where('id = :id AND status = :from', { id, from: step.from })
      .execute();
    const after = await this.get(id);
    if (!result.affected && after.status !== step.to) throw new IllegalTransitionError(id, after.status, operation);
    return after;
  }

  private callGateway(payment: Payment, operation: PaymentOperation): Promise<GatewayOutcome> {
    const gateway = this.gateways.get(payment.provider);
    const idempotencyKey = `${payment.id}:${operation}`;
    const { amountCents, currency } = payment;
    switch (operation) {
      case 'capture':
        return gateway.capture({ authorizationReference: payment.authorizationReference ?? payment.providerReference, amountCents, currency, idempotencyKey });
      case 'void':
        return gateway.void({ authorizationReference: payment.authorizationReference ?? payment.providerReference, idempotencyKey });
      case 'refund':
        return gateway.refund({ captureReference: payment.captureReference ?? payment.providerReference, amountCents, currency, idempotencyKey });
    }
  }
}
