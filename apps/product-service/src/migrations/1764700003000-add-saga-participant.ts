import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * product-service as a participant of the order saga:
 *   - RETURNED: a CONFIRMED (sold) reservation whose order was cancelled; its units are back in stock.
 *   - order_id: the order a reservation was made for (NULL for reservations made over the admin HTTP API).
 *   - stock_reservation_refusals: reservation ids that will never hold stock. A reserve that was
 *     refused (out of stock, unknown product), or a release that came before any reserve. A repeated
 *     reserve with such an id gets the same refusal instead of taking stock that nobody would release.
 *
 * The status CHECK was declared inline (its name is PostgreSQL's choice), so it is found by table and column.
 */
export class AddSagaParticipant1764700003000 implements MigrationInterface {
  name = 'AddSagaParticipant1764700003000';

  async up(db: QueryRunner): Promise<void> {
    await dropStatusChecks(db);
    await db.query(`
      ALTER TABLE stock_reservations
        ADD COLUMN order_id uuid,
        ADD CONSTRAINT stock_reservations_status_check CHECK (status IN ('RESERVED', 'CONFIRMED', 'RELEASED', 'RETURNED'))`);
    await db.query(`
      CREATE TABLE stock_reservation_refusals (
        reservation_id  uuid         PRIMARY KEY,
        order_id        uuid,
        reason          varchar(500) NOT NULL,
        created_at      timestamptz  NOT NULL DEFAULT now()
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    // Fails while RETURNED rows exist: there is no earlier status that would tell the truth about them.
    await db.query(`DROP TABLE stock_reservation_refusals`);
    await dropStatusChecks(db);
    await db.query(`
      ALTER TABLE stock_reservations
        DROP COLUMN order_id,
        ADD CONSTRAINT stock_reservations_status_check CHECK (status IN ('RESERVED', 'CONFIRMED', 'RELEASED'))`);
  }
}

async function dropStatusChecks(db: QueryRunner): Promise<void> {
  const checks: { name: string }[] = await db.query(
    `SELECT c.conname AS name
       FROM pg_constraint c
       JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
      WHERE c.conrelid = 'stock_reservations'::regclass AND c.contype = 'c' AND a.attname = 'status'`,
  );
  for (const { name } of checks) await db.query(`ALTER TABLE stock_reservations DROP CONSTRAINT "${name.replace(/"/g, '""')}"`);
}
