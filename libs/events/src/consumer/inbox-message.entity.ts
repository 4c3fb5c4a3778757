import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A message a consumer has processed (table `inbox`). Inserted in the same
 * transaction as the handler's effect, so "processed" and "effect happened"
 * cannot disagree; the primary key turns a redelivery into a no-op.
 */
@Entity({ name: 'inbox' })
export class InboxMessage {
  /** The consumer group: two groups of one service process the same message independently. */
  @PrimaryColumn({ type: 'varchar', length: 200 })
  consumer: string;

  @PrimaryColumn({ name: 'message_id', type: 'uuid' })
  messageId: string;

  @Column({ name: 'processed_at', type: 'timestamptz', insert: false, update: false })
  processedAt: Date;
}
