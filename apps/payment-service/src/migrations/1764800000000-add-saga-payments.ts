import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the order saga needs on payments (see src/payment-commands/):
 * - user_id: the customer, carried by AuthorizePayment, so PaymentCaptured/PaymentRefunded can name
 *   whom to notify. NULL for payments made over the admin API.
 * - failure_reason: why an authorization failed (declined, provider unavailable); a resent
 *   AuthorizePayment is answered with it, without calling the provider again.
 * - A VOIDED tombstone: a VoidPayment that arrives before any authorization leaves a row with only
 *   id, order_id and status, so a late AuthorizePayment is refused. It knows no provider, amount or
 *   currency, so those columns become nullable, and a CHECK allows the gaps only for such a row.
 *   A FAILED authorization has no provider reference either (the provider may never have answered).
 */
export class AddSagaPayments1764800000000 implements MigrationInterface {
  name = 'AddSagaPayments1764800000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE payments
        ADD COLUMN user_id uuid,
        ADD COLUMN failure_reason varchar(500),
        ALTER COLUMN provider DROP NOT NULL,
        ALTER COLUMN provider_reference DROP NOT NULL,
        ALTER COLUMN amount_cents DROP NOT NULL,
        ALTER COLUMN currency DROP NOT NULL,
        ADD CONSTRAINT payments_tombstone_check CHECK (
          (provider IS NOT NULL AND amount_cents IS NOT NULL AND currency IS NOT NULL)
          OR (status = 'VOIDED' AND provider_reference IS NULL AND authorization_reference IS NULL)
        ),
        ADD CONSTRAINT payments_provider_reference_check CHECK (provider_reference IS NOT NULL OR status IN ('FAILED', 'VOIDED'))`);
  }

  async down(db: QueryRunner): Promise<void> {
    // Tombstones and failed authorizations cannot satisfy the old NOT NULLs; they go first.
    await db.query(`
      DELETE FROM payments WHERE provider IS NULL OR provider_reference IS NULL;
      ALTER TABLE payments
        DROP CONSTRAINT payments_provider_reference_check,
        DROP CONSTRAINT payments_tombstone_check,
        ALTER COLUMN provider SET NOT NULL,
        ALTER COLUMN provider_reference SET NOT NULL,
        ALTER COLUMN amount_cents SET NOT NULL,
        ALTER COLUMN currency SET NOT NULL,
        DROP COLUMN failure_reason,
        DROP COLUMN user_id`);
  }
}
