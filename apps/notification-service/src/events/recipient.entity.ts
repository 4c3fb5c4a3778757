import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Where a user's email notifications go: learnt from user.events (UserRegistered). */
@Entity({ name: 'recipients' })
export class Recipient {
  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ type: 'varchar', length: 320 })
  email: string;

  /** Legacy: the name a v1 UserRegistered carried; no longer kept (NULL on every row written now). */
  @Column({ type: 'varchar', length: 200, nullable: true })
  name: string | null;

  /** When the fact this row holds happened (the event's occurredAt): an older event never overwrites a newer one. */
  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
