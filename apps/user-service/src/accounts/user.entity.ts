import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const ROLES = ['customer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

@Entity({ name: 'users' })
export class User {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /**
   * Stored lower-cased; unique. Personal, yet kept in the clear: login finds the account by it
   * and the unique index decides duplicate registrations. Transit ciphertext is randomized, so
   * neither works on it, and a blind index (transit hmac with a key of its own) is not configured.
   */
  @Column({ type: 'varchar', length: 320, unique: true })
  email: string;

  /**
   * The display name (the person's name, often their full name), encrypted with transit key
   * personal-fields: `vault:vN:...`. AccountsService encrypts before saving and decrypts after
   * loading (see Account); the database never holds the name in the clear.
   */
  @Column({ name: 'display_name_ciphertext', type: 'text', nullable: true })
  displayNameCiphertext: string | null;

  /**
   * The plaintext column of before (migration 1765000000000): NULL on every row this version
   * writes; a value left here is encrypted and removed by the field-key job. To be dropped.
   */
  @Column({ name: 'display_name', type: 'varchar', length: 120, nullable: true })
  legacyDisplayName: string | null;

  /** A password hash (argon2id); the password itself is never stored. */
  @Column({ name: 'password_hash', type: 'varchar', length: 255 })
  passwordHash: string;

  /** When the owner of the address proved it (the token of a verification mail); null: not yet. */
  @Column({ name: 'email_verified_at', type: 'timestamptz', nullable: true })
  emailVerifiedAt: Date | null;

  @Column({ type: 'text', array: true, default: () => "'{customer}'" })
  roles: Role[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
