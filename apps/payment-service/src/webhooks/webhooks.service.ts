import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { PaymentAnnouncements } from '../payments/payment-announcements';
import { Payment, type PaymentStatus } from '../payments/payment.entity';
import { reconcile, type ProviderEvent } from './provider-events';
import { WebhookEvent, type WebhookOutcome } from './webhook-event.entity';

/** The answer to a delivery the provider may stop retrying. */
export type WebhookAck =
  | { duplicate: true }
  | { duplicate: false; matched: boolean; outcome: Exclude<WebhookOutcome, 'received'>; paymentId?: string; status?: PaymentStatus };

/**
 * Applies verified provider events to payments. The event id is recorded in the same transaction
 * as the effect: a redelivery finds it (or waits on the first delivery's uncommitted row, then finds it)
 * and changes nothing; if the effect fails, the id is not recorded and the provider's retry applies it.
 */
@Injectable()
export class WebhooksService {
  private readonly logger = new Logger(WebhooksService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly announcements: PaymentAnnouncements,
  ) {}

  receive(event: ProviderEvent): Promise<WebhookAck> {
    return this.dataSource.transaction(async (manager) => {
      const recorded: unknown[] = await manager.query(
        `INSERT INTO webhook_events (provider, event_id, event_type, outcome) VALUES ($1, $2, $3, 'received')
         ON CONFLICT (provider, event_id) DO NOTHING RETURNING event_id`,
        [event.provider, event.eventId, event.eventType],
      );
      if (recorded.length === 0) {
        this.logger.log({ provider: event.provider, eventId: event.eventId, eventType: event.eventType }, 'webhook event already received; ignored');
        return { duplicate: true } as const;
      }
      const ack = await this.apply(manager, event);
      await manager.update(WebhookEvent, { provider: event.provider, eventId: event.eventId }, { outcome: ack.outcome, paymentId: ack.paymentId ?? null });
      return ack;
    });
  }

  private async apply(manager: EntityManager, event: ProviderEvent): Promise<Exclude<WebhookAck, { duplicate: true }>> {
    const context = { provider: event.provider, eventId: event.eventId, eventType: event.eventType };
    if (!event.target) {
      this.logger.log(context, 'webhook event type not acted on; recorded');
      return { duplicate: false, matched: false, outcome: 'unhandled' };
    }
    const payment = await this.lockPayment(manager, event);
    if (!payment) {
      this.logger.warn({ ...context, references: event.references }, 'webhook event for an unknown payment; recorded, nothing changed');
      return { duplicate: false, matched: false, outcome: 'unmatched' };
    }
    const matched = { duplicate: false as const, matched: true, paymentId: payment.id };
    // A matched payment was authorized, so it has an amount (only a tombstone has none, and it has no references).
    const decision = reconcile(payment.status, payment.amountCents ?? 0, event);
    if (decision.outcome !== 'applied') {
      if (decision.outcome === 'ignored') {
        this.logger.warn({ ...context, paymentId: payment.id, status: payment.status, target: event.target, reason: decision.reason }, 'webhook event not applied');
      }
      return { ...matched, outcome: decision.outcome, status: payment.status };
    }
    const changes: Partial<Payment> = { status: event.target };
    if (event.captureReference && !payment.captureReference) changes.captureReference = event.captureReference;
    if (event.refundReference && !payment.refundReference) changes.refundReference = event.refundReference;
    await manager
      .createQueryBuilder()
      .update(Payment)
      .set(changes)
      .where('id = :id AND status = :from', { id: payment.id, from: payment.status })
      .execute();
    // A capture or refund made outside this service (the provider's dashboard) is announced here; one this
    // service made was announced when it was made, and its webhook finds the payment already moved (unchanged).
    await this.announcements.announce(manager, { ...payment, ...changes }, payment.status, event.target);
    this.logger.log({ ...context, paymentId: payment.id, from: payment.status, to: event.target }, 'payment reconciled from webhook');
    return { ...matched, outcome: 'applied', status: event.target };
  }

  /** The payment any of the event's references names, locked until the transaction ends. */
  private lockPayment(manager: EntityManager, event: ProviderEvent): Promise<Payment | null> {
    if (event.references.length === 0) return Promise.resolve(null);
    return manager
      .getRepository(Payment)
      .createQueryBuilder('payment')
      .setLock('pessimistic_write')
      .where('payment.provider = :provider', { provider: event.provider })
      .andWhere(
        '(payment.providerReference IN (:...refs) OR payment.authorizationReference IN (:...refs) OR payment.captureReference IN (:...refs))',
        { refs: event.references },
      )
      .orderBy('payment.createdAt', 'ASC')
      .getOne();
  }
}
