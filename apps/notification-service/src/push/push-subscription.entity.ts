import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A browser's Web Push subscription for one user (PushSubscription.toJSON() minus expirationTime). */
@Entity({ name: 'push_subscriptions' })
export class PushSubscription {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  /** The push service URL; unique: one browser profile is one subscription, owned by whoever registered it last. */
  @Column({ type: 'varchar', length: 2048, unique: true })
  endpoint: string;

  /** The browser's P-256 public key, base64url (65 bytes uncompressed). */
  @Column({ type: 'varchar', length: 128 })
  p256dh: string;

  /** The browser's auth secret, base64url (16 bytes). */
  @Column({ type: 'varchar', length: 64 })
  auth: string;

  /** When it was (last) registered. */
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
