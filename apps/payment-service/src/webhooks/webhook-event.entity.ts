import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { PaymentProvider } from '../providers/payment-gateway';

/** What became of a delivery: its effect on a payment, or why it had none. */
export type WebhookOutcome = 'received' | 'applied' | 'unchanged' | 'ignored' | 'unmatched' | 'unhandled';

/**
 * One row per provider event ever accepted: written in the same transaction as the event's effect,
 * so a redelivered event (same id) finds its row and changes nothing.
 */
@Entity({ name: 'webhook_events' })
export class WebhookEvent {
  @PrimaryColumn({ type: 'varchar', length: 16 })
  provider: PaymentProvider;

  @PrimaryColumn({ name: 'event_id', type: 'varchar', length: 255 })
  eventId: string;

  @Column({ name: 'event_type', type: 'varchar', length: 128 })
  eventType: string;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt: Date;

  /** The payment the event was matched to, if any. */
  @Column({ name: 'payment_id', type: 'uuid', nullable: true })
  paymentId: string | null;

  @Column({ type: 'varchar', length: 16 })
  outcome: WebhookOutcome;
}
