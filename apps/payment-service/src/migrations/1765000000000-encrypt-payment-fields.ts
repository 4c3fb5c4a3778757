import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Payment fields become transit ciphertext (key payment-fields); the CHECKs keep anything but
 * `vault:v<n>:...` out of the new columns.
 * - failure_reason_ciphertext: the decline reason (the provider's message about the payer's card
 *   or account). SQL cannot encrypt (the key never leaves OpenBao), so existing reasons cannot be
 *   moved here: failure_reason stays, as the legacy column. The service never writes it again (it
 *   sets it to NULL whenever it writes the ciphertext), and its field-key job
 *   (libs/field-encryption: 30 s after start-up, then hourly, or
 *   POST /v1/admin/field-keys/rewrap) encrypts what is left there and empties it. Until then a
 *   value in failure_reason is the newest one (an instance of the previous version may still write
 *   it during a rolling update), so reads prefer it. A later migration drops failure_reason once
 *   `SELECT count(*) FROM payments WHERE failure_reason IS NOT NULL` is 0 everywhere.
 * - payment_method_ciphertext: new, the payment method summary (card brand and last 4 digits, or
 *   the PayPal account) as JSON; rows from before simply have none.
 * The provider references stay in the clear (webhooks look payments up by them; see Payment).
 */
export class EncryptPaymentFields1765000000000 implements MigrationInterface {
  name = 'EncryptPaymentFields1765000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE payments
        ADD COLUMN failure_reason_ciphertext text CONSTRAINT payments_failure_reason_ciphertext_check CHECK (failure_reason_ciphertext ~ '^vault:v[0-9]+:'),
        ADD COLUMN payment_method_ciphertext text CONSTRAINT payments_payment_method_ciphertext_check CHECK (payment_method_ciphertext ~ '^vault:v[0-9]+:');
      COMMENT ON COLUMN payments.failure_reason IS 'legacy plaintext, emptied by the field-key job; to be dropped';
      COMMENT ON COLUMN payments.failure_reason_ciphertext IS 'OpenBao transit ciphertext, key payment-fields';
      COMMENT ON COLUMN payments.payment_method_ciphertext IS 'OpenBao transit ciphertext (JSON), key payment-fields'`);
  }

  async down(db: QueryRunner): Promise<void> {
    // Going back needs the plaintext, which only the service can get from OpenBao.
    await db.query(`
      DO $$ BEGIN
        IF EXISTS (SELECT 1 FROM payments WHERE failure_reason_ciphertext IS NOT NULL) THEN
          RAISE EXCEPTION 'payments holds encrypted failure reasons: decrypt them into failure_reason first (SQL cannot)';
        END IF;
      END $$;
      COMMENT ON COLUMN payments.failure_reason IS NULL;
      ALTER TABLE payments DROP COLUMN failure_reason_ciphertext, DROP COLUMN payment_method_ciphertext`);
  }
}
