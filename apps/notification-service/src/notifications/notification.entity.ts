import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Channel } from '../providers/channel';

export type { Channel } from '../providers/channel';
export type DeliveryStatus = 'queued' | 'sent' | 'delivered' | 'failed';

@Entity({ name: 'notifications' })
export class Notification {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ type: 'varchar', length: 8 })
  channel: Channel;

  @Column({ type: 'varchar', length: 64 })
  template: string;

  @Column({ type: 'varchar', length: 16 })
  status: DeliveryStatus;

  /** The address it went to (email address or E.164 number); null for push (the user's subscriptions). */
  @Column({ type: 'varchar', length: 320, nullable: true })
  recipient: string | null;

  /** Which vendor took it (sendgrid, smtp, twilio, webpush). */
  @Column({ type: 'varchar', length: 16, nullable: true })
  provider: string | null;

  /** The vendor's message id (SendGrid X-Message-Id, SMTP Message-ID, Twilio SM sid, a push service's Location). */
  @Column({ name: 'provider_message_id', type: 'varchar', length: 128, nullable: true })
  providerMessageId: string | null;

  /** Why it failed: `opted-out`, or the provider's refusal. */
  @Column({ name: 'failure_reason', type: 'varchar', length: 512, nullable: true })
  failureReason: string | null;

  /** The template data, kept so a retry renders the same message. */
  @Column({ type: 'jsonb', nullable: true })
  data: Record<string, unknown> | null;

  /** Template fields delivered sealed (field → transit ciphertext); opened only to render, NULL once final. */
  @Column({ name: 'sealed_data', type: 'jsonb', nullable: true })
  sealedData: Record<string, string> | null;

  /** Provider calls made so far (retries included); counted when a call starts. */
  @Column({ type: 'integer', default: 0 })
  attempts: number;

  /** The envelope id of the domain event this notification answers (unique: one event, one notification); null when sent over HTTP. */
  @Column({ name: 'source_event_id', type: 'uuid', nullable: true, unique: true })
  sourceEventId: string | null;

  /** While queued and not claimed: when the dispatcher may take it (first send or retry). */
  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt: Date | null;

  /** The provider call in progress: who holds it, and until when (see NotificationsService). */
  @Column({ name: 'claim_id', type: 'uuid', nullable: true })
  claimId: string | null;

  @Column({ name: 'claimed_until', type: 'timestamptz', nullable: true })
  claimedUntil: Date | null;

  /** When what it tells of happened (the event's occurredAt; the request over HTTP); null on rows older than the column. */
  @Column({ name: 'occurred_at', type: 'timestamptz', nullable: true })
  occurredAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
