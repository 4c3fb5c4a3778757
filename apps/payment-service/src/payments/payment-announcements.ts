import { Injectable, Logger } from '@nestjs/common';
import { OutboxWriter, topics, type Envelope } from '@ecotrack/events';
import type { EntityManager } from 'typeorm';
import type { Payment, PaymentStatus } from './payment.entity';

export type PaymentAnnouncement = 'PaymentCaptured' | 'PaymentRefunded';

/** What PaymentCaptured and PaymentRefunded say about a payment (as replies and as events: one schema). */
export interface PaymentFacts {
  orderId: string;
  paymentId: string;
  userId: string;
  amountCents: number;
  currency: string;
}

/** The facts, when the payment has them all: a payment made over the admin API names no customer. */
export function paymentFacts(payment: Payment): PaymentFacts | undefined {
  if (!payment.userId || payment.amountCents === null || !payment.currency) return undefined;
  return { orderId: payment.orderId, paymentId: payment.id, userId: payment.userId, amountCents: payment.amountCents, currency: payment.currency };
}

/**
 * The events on payment.events for a move from `from` to `to`. Moves are forward only, and a later
 * state implies the earlier ones: a jump AUTHORIZED → REFUNDED (a provider's events arriving out of
 * order) took the money and gave it back, so it announces both.
 */
export function announcementsFor(from: PaymentStatus, to: PaymentStatus): PaymentAnnouncement[] {
  if (from === 'AUTHORIZED' && to === 'CAPTURED') return ['PaymentCaptured'];
  if (from === 'AUTHORIZED' && to === 'REFUNDED') return ['PaymentCaptured', 'PaymentRefunded'];
  if (from === 'CAPTURED' && to === 'REFUNDED') return ['PaymentRefunded'];
  return [];
}

/**
 * Money moved: tell payment.events (notification-service sends the receipt), in the SAME transaction
 * as the status change. Whoever makes the change calls this (saga command, admin API, provider
 * webhook), and only the change itself does, so each capture and refund is announced exactly once.
 */
@Injectable()
export class PaymentAnnouncements {
  private readonly logger = new Logger(PaymentAnnouncements.name);

  constructor(private readonly outbox: OutboxWriter) {}

  /** `payment` as it is after the move; `cause` is the command that made it, if any (its saga becomes the correlation). */
  async announce(manager: EntityManager, payment: Payment, from: PaymentStatus, to: PaymentStatus, cause?: Envelope): Promise<void> {
    const types = announcementsFor(from, to);
    if (types.length === 0) return;
    const facts = paymentFacts(payment);
    if (!facts) {
      this.logger.log({ paymentId: payment.id, from, to }, 'payment has no customer (made over the admin API); nothing announced');
      return;
    }
    for (const type of types) {
      await this.outbox.write(manager, {
        topic: topics.payment.events,
        type,
        aggregateId: payment.id,
        payload: facts,
        correlationId: cause?.correlationId,
        causationId: cause?.id,
      });
    }
  }
}
