import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddDeliveryRetries1764500000001 implements MigrationInterface {
  name = 'AddDeliveryRetries1764500000001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE notifications
        ADD COLUMN data     jsonb,
        ADD COLUMN attempts integer NOT NULL DEFAULT 0`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE notifications DROP COLUMN data, DROP COLUMN attempts`);
  }
}
