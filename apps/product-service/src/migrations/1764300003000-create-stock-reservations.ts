import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One row per (reservation, product). The reservation id comes from the caller
 * (the order saga), which makes every operation idempotent. products.stock is the
 * AVAILABLE stock; its existing CHECK (stock >= 0) is the last line against overselling.
 */
export class CreateStockReservations1764300003000 implements MigrationInterface {
  name = 'CreateStockReservations1764300003000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE stock_reservations (
        reservation_id  uuid        NOT NULL,
        product_id      uuid        NOT NULL REFERENCES products (id) ON DELETE RESTRICT,
        quantity        integer     NOT NULL CHECK (quantity > 0),
        status          varchar(16) NOT NULL CHECK (status IN ('RESERVED', 'CONFIRMED', 'RELEASED')),
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (reservation_id, product_id)
      )`);
    await db.query(`CREATE INDEX stock_reservations_product_idx ON stock_reservations (product_id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE stock_reservations`);
  }
}
