import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The order saga: what it needs on the order (its ids, why it was rejected) and the CANCELLING state. */
export class AddOrderSaga1764700002000 implements MigrationInterface {
  name = 'AddOrderSaga1764700002000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE orders
        ADD COLUMN reservation_id uuid,
        ADD COLUMN payment_id uuid,
        ADD COLUMN payment_provider varchar(16),
        ADD COLUMN rejection_reason varchar(500),
        DROP CONSTRAINT IF EXISTS orders_status_check,
        ADD CONSTRAINT orders_status_check CHECK (status IN ('PENDING', 'CONFIRMED', 'REJECTED', 'CANCELLING', 'CANCELLED'))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE orders
        DROP CONSTRAINT orders_status_check,
        ADD CONSTRAINT orders_status_check CHECK (status IN ('PENDING', 'CONFIRMED', 'REJECTED', 'CANCELLED')),
        DROP COLUMN rejection_reason, DROP COLUMN payment_provider, DROP COLUMN payment_id, DROP COLUMN reservation_id`);
  }
}
