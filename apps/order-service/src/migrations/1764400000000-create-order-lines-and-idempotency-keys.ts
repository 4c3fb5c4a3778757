import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The lines of an order (priced by product-service at order time) and the
 * idempotency records of POST /v1/orders. The (customer_id, idempotency_key)
 * primary key is what makes concurrent duplicates produce exactly one order.
 */
export class CreateOrderLinesAndIdempotencyKeys1764400000000 implements MigrationInterface {
  name = 'CreateOrderLinesAndIdempotencyKeys1764400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE order_lines (
        order_id          uuid          NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
        line_no           smallint      NOT NULL CHECK (line_no >= 1),
        product_id        uuid          NOT NULL,
        name              varchar(200)  NOT NULL,
        quantity          integer       NOT NULL CHECK (quantity >= 1),
        unit_price_cents  integer       NOT NULL CHECK (unit_price_cents >= 0),
        line_total_cents  bigint        NOT NULL CHECK (line_total_cents >= 0),
        carbon_kg_co2e    numeric(12,3) NOT NULL CHECK (carbon_kg_co2e >= 0),
        PRIMARY KEY (order_id, line_no)
      );
      CREATE TABLE idempotency_keys (
        customer_id      uuid         NOT NULL,
        idempotency_key  varchar(128) NOT NULL,
        request_hash     char(64)     NOT NULL,
        -- Deferred: the key is claimed first in the transaction, the order written after it.
        order_id         uuid         NOT NULL REFERENCES orders (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
        created_at       timestamptz  NOT NULL DEFAULT now(),
        PRIMARY KEY (customer_id, idempotency_key)
      );
      CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE idempotency_keys; DROP TABLE order_lines`);
  }
}
