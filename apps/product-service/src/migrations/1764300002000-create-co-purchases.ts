import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * "Bought together": one row per unordered pair of products (product_a < product_b,
 * so a pair is stored once), counting the orders that contained both.
 */
export class CreateCoPurchases1764300002000 implements MigrationInterface {
  name = 'CreateCoPurchases1764300002000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE product_co_purchases (
        product_a       uuid        NOT NULL REFERENCES products (id) ON DELETE CASCADE,
        product_b       uuid        NOT NULL REFERENCES products (id) ON DELETE CASCADE,
        purchase_count  integer     NOT NULL CHECK (purchase_count > 0),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (product_a, product_b),
        CHECK (product_a < product_b)
      )`);
    // The primary key serves lookups by product_a; this one serves product_b.
    await db.query(`CREATE INDEX product_co_purchases_b_idx ON product_co_purchases (product_b)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE product_co_purchases`);
  }
}
