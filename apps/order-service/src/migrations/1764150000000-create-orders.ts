import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateOrders1764150000000 implements MigrationInterface {
  name = 'CreateOrders1764150000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE orders (
        id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        customer_id     uuid          NOT NULL,
        status          varchar(16)   NOT NULL CHECK (status IN ('PENDING', 'CONFIRMED', 'REJECTED', 'CANCELLED')),
        total_cents     bigint        NOT NULL CHECK (total_cents >= 0),
        currency        char(3)       NOT NULL,
        carbon_kg_co2e  numeric(12,3) NOT NULL CHECK (carbon_kg_co2e >= 0),
        created_at      timestamptz   NOT NULL DEFAULT now(),
        updated_at      timestamptz   NOT NULL DEFAULT now()
      );
      CREATE INDEX orders_customer_idx ON orders (customer_id, created_at DESC)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE orders`);
  }
}
