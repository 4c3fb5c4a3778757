import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateProducts1764150000000 implements MigrationInterface {
  name = 'CreateProducts1764150000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE products (
        id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        sku             varchar(64)  NOT NULL UNIQUE,
        name            varchar(200) NOT NULL,
        description     text         NOT NULL DEFAULT '',
        category        varchar(80)  NOT NULL,
        price_cents     integer      NOT NULL CHECK (price_cents >= 0),
        currency        char(3)      NOT NULL,
        carbon_kg_co2e  numeric(10,3) NOT NULL CHECK (carbon_kg_co2e >= 0),
        stock           integer      NOT NULL CHECK (stock >= 0),
        created_at      timestamptz  NOT NULL DEFAULT now(),
        updated_at      timestamptz  NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX products_category_idx ON products (category)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE products`);
  }
}
