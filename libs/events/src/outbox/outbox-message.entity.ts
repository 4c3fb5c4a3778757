import { numericTransformer } from '@ecotrack/core';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Envelope } from '../schemas/envelope';

/**
 * A message waiting to be published (table `outbox`, see the migration). Written
 * by OutboxWriter in the caller's transaction, read and marked by OutboxRelay
 * with plain SQL; the entity is here for services and tests that want to look.
 */
@Entity({ name: 'outbox' })
export class OutboxMessage {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  /** Insertion order (identity): the relay publishes in this order. */
  @Column({ type: 'bigint', insert: false, update: false, transformer: numericTransformer })
  position: number;

  @Column({ type: 'varchar', length: 249 })
  topic: string;

  /** The Kafka key: the aggregate id. */
  @Column({ name: 'message_key', type: 'varchar', length: 200 })
  messageKey: string;

  @Column({ name: 'message_type', type: 'varchar', length: 100 })
  messageType: string;

  /** The whole envelope, as it will be sent. */
  @Column({ type: 'jsonb' })
  payload: Envelope;

  /** Kafka headers: message id/type/version and the writer's traceparent. */
  @Column({ type: 'jsonb' })
  headers: Record<string, string>;

  @Column({ name: 'created_at', type: 'timestamptz', insert: false, update: false })
  createdAt: Date;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt: Date | null;

  /** Failed publish attempts so far. */
  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;
}
