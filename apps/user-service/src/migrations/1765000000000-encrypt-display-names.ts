import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Display names become transit ciphertext (key personal-fields) in display_name_ciphertext; the
 * CHECK keeps anything but `vault:v<n>:...` out of it. SQL cannot encrypt (the key never leaves
 * OpenBao), so existing names cannot be moved here: display_name stays, nullable, as the legacy
 * column. The service never writes it again (it sets it to NULL whenever it writes the
 * ciphertext), and its field-key job (libs/field-encryption: 30 s after start-up, then
 * hourly, or POST /v1/admin/field-keys/rewrap) encrypts what is left there and empties it. Until
 * then a value in display_name is the newest one (an instance of the previous version may still
 * write it during a rolling update), so reads prefer it. A later migration drops display_name once
 * `SELECT count(*) FROM users WHERE display_name IS NOT NULL` is 0 everywhere.
 * email stays in the clear: it is the login lookup and the unique key (see User.email).
 */
export class EncryptDisplayNames1765000000000 implements MigrationInterface {
  name = 'EncryptDisplayNames1765000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE users
        ADD COLUMN display_name_ciphertext text CONSTRAINT users_display_name_ciphertext_check CHECK (display_name_ciphertext ~ '^vault:v[0-9]+:'),
        ALTER COLUMN display_name DROP NOT NULL,
        ADD CONSTRAINT users_display_name_present_check CHECK (display_name IS NOT NULL OR display_name_ciphertext IS NOT NULL);
      COMMENT ON COLUMN users.display_name IS 'legacy plaintext, emptied by the field-key job; to be dropped';
      COMMENT ON COLUMN users.display_name_ciphertext IS 'OpenBao transit ciphertext, key personal-fields'`);
  }

  async down(db: QueryRunner): Promise<void> {
    // Going back needs the plaintext, which only the service can get from OpenBao.
    await db.query(`
      DO $$ BEGIN
        IF EXISTS (SELECT 1 FROM users WHERE display_name IS NULL) THEN
          RAISE EXCEPTION 'users holds encrypted display names: decrypt them into display_name first (SQL cannot)';
        END IF;
      END $$;
      COMMENT ON COLUMN users.display_name IS NULL;
      ALTER TABLE users
        DROP CONSTRAINT users_display_name_present_check,
        ALTER COLUMN display_name SET NOT NULL,
        DROP COLUMN display_name_ciphertext`);
  }
}
