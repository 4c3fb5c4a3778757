import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The provider references each step produces: authorization (void, capture), capture (refund), refund. */
export class AddPaymentReferences1764400000000 implements MigrationInterface {
  name = 'AddPaymentReferences1764400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE payments
        ADD COLUMN authorization_reference varchar(128),
        ADD COLUMN capture_reference varchar(128),
        ADD COLUMN refund_reference varchar(128)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE payments DROP COLUMN authorization_reference, DROP COLUMN capture_reference, DROP COLUMN refund_reference`);
  }
}
