import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateUsers1764150000000 implements MigrationInterface {
  name = 'CreateUsers1764150000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE users (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email         varchar(320) NOT NULL UNIQUE CHECK (email = lower(email)),
        display_name  varchar(120) NOT NULL,
        password_hash varchar(255) NOT NULL,
        roles         text[]       NOT NULL DEFAULT '{customer}',
        created_at    timestamptz  NOT NULL DEFAULT now(),
        updated_at    timestamptz  NOT NULL DEFAULT now()
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE users`);
  }
}
