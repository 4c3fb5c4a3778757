import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreatePayments1764150000000 implements MigrationInterface {
  name = 'CreatePayments1764150000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE payments (
        id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        order_id           uuid         NOT NULL,
        provider           varchar(16)  NOT NULL CHECK (provider IN ('stripe', 'paypal')),
        provider_reference varchar(128) NOT NULL,
        status             varchar(16)  NOT NULL CHECK (status IN ('AUTHORIZED', 'CAPTURED', 'VOIDED', 'REFUNDED', 'FAILED')),
        amount_cents       bigint       NOT NULL CHECK (amount_cents >= 0),
        currency           char(3)      NOT NULL,
        created_at         timestamptz  NOT NULL DEFAULT now(),
        updated_at         timestamptz  NOT NULL DEFAULT now(),
        UNIQUE (provider, provider_reference)
      );
      CREATE INDEX payments_order_idx ON payments (order_id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE payments`);
  }
}
