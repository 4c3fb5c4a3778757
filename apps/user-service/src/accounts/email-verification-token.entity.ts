import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** One verification mail: the SHA-256 of its token (the token itself is only in the mail). */
@Entity({ name: 'email_verification_tokens' })
export class EmailVerificationToken {
  /** Hex SHA-256 of the token. */
  @PrimaryColumn({ name: 'token_hash', type: 'char', length: 64 })
  tokenHash: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  /** When it verified the address; a used token answers the same again (a retried request). */
  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
