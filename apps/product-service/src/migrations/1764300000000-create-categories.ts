import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Categories become a table; products keep their `category` column (the slug) and
 * it becomes a foreign key. Referencing by slug keeps the product contract and
 * every existing reader unchanged (expand-only: a running older build still works).
 */
export class CreateCategories1764300000000 implements MigrationInterface {
  name = 'CreateCategories1764300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE categories (
        slug        varchar(80)  PRIMARY KEY,
        name        varchar(120) NOT NULL,
        created_at  timestamptz  NOT NULL DEFAULT now()
      )`);
    // A starter taxonomy, so a fresh marketplace (and its fixtures) has somewhere to put products.
    await db.query(`
      INSERT INTO categories (slug, name) VALUES
        ('personal-care', 'Personal care'), ('bags', 'Bags'), ('kitchen', 'Kitchen'),
        ('home', 'Home'), ('clothing', 'Clothing'), ('food', 'Food and drink'),
        ('garden', 'Garden'), ('electronics', 'Electronics')`);
    // Categories already used by products are kept, whatever their spelling.
    await db.query(`
      INSERT INTO categories (slug, name)
      SELECT DISTINCT category, initcap(replace(category, '-', ' ')) FROM products
      ON CONFLICT (slug) DO NOTHING`);
    await db.query(`
      ALTER TABLE products ADD CONSTRAINT products_category_fk
        FOREIGN KEY (category) REFERENCES categories (slug) ON UPDATE CASCADE ON DELETE RESTRICT`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE products DROP CONSTRAINT products_category_fk`);
    await db.query(`DROP TABLE categories`);
  }
}
