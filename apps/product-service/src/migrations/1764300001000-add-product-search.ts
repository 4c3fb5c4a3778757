import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Full-text search: a generated tsvector (name weighs most, then description, then
 * category) kept by PostgreSQL itself, a GIN index for it, and indexes for the
 * other sort orders.
 */
export class AddProductSearch1764300001000 implements MigrationInterface {
  name = 'AddProductSearch1764300001000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE products ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, coalesce(name, '')), 'A') ||
        setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'B') ||
        setweight(to_tsvector('english'::regconfig, replace(category, '-', ' ')), 'C')
      ) STORED`);
    await db.query(`CREATE INDEX products_search_idx ON products USING GIN (search_vector)`);
    await db.query(`CREATE INDEX products_price_idx ON products (price_cents)`);
    await db.query(`CREATE INDEX products_carbon_idx ON products (carbon_kg_co2e)`);
    await db.query(`CREATE INDEX products_created_at_idx ON products (created_at DESC)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX products_created_at_idx`);
    await db.query(`DROP INDEX products_carbon_idx`);
    await db.query(`DROP INDEX products_price_idx`);
    await db.query(`DROP INDEX products_search_idx`);
    await db.query(`ALTER TABLE products DROP COLUMN search_vector`);
  }
}
