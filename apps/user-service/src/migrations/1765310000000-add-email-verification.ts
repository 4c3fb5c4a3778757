import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Email verification. Additive only (the database is shared with running older versions, which
 * neither read nor write any of it):
 *  - users.email_verified_at: when the owner of the address proved it (NULL: not yet);
 *  - email_verification_tokens: one row per verification mail. The token itself is a secret that
 *    only the mail carries: the row keeps its SHA-256 (a 256-bit random token needs no slow hash),
 *    when it expires and when it was used (a used token answers the same again: retry-safe).
 */
export class AddEmailVerification1765310000000 implements MigrationInterface {
  name = 'AddEmailVerification1765310000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE users ADD COLUMN email_verified_at timestamptz;
      CREATE TABLE email_verification_tokens (
        token_hash char(64)    PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
        user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        expires_at timestamptz NOT NULL,
        used_at    timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX email_verification_tokens_user_idx ON email_verification_tokens (user_id, created_at DESC)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP TABLE email_verification_tokens;
      ALTER TABLE users DROP COLUMN email_verified_at`);
  }
}
