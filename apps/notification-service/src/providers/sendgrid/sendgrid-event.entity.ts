import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * A SendGrid event that reported an outcome (delivered, bounce, dropped) for one of our
 * notifications, kept once by its sg_event_id: SendGrid delivers its webhook at least once,
 * and a repeat is acknowledged without a second effect.
 */
@Entity({ name: 'sendgrid_events' })
export class SendGridEventRecord {
  @PrimaryColumn({ name: 'sg_event_id', type: 'varchar', length: 128 })
  sgEventId: string;

  @Column({ name: 'notification_id', type: 'uuid' })
  notificationId: string;

  @Column({ type: 'varchar', length: 32 })
  event: string;

  @Column({ name: 'sg_message_id', type: 'varchar', length: 256, nullable: true })
  sgMessageId: string | null;

  /** When SendGrid says it happened (the event's timestamp). */
  @Column({ name: 'occurred_at', type: 'timestamptz', nullable: true })
  occurredAt: Date | null;

  @CreateDateColumn({ name: 'received_at', type: 'timestamptz' })
  receivedAt: Date;
}
