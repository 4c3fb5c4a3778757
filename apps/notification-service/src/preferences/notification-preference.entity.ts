import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** One row per user who changed a preference; a user without a row is opted in everywhere. */
@Entity({ name: 'notification_preferences' })
export class NotificationPreference {
  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ type: 'boolean', default: true })
  email: boolean;

  @Column({ type: 'boolean', default: true })
  sms: boolean;

  @Column({ type: 'boolean', default: true })
  push: boolean;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
