import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Display names this service kept in clear before names travelled sealed: the address book's
 * name column (no longer read or written) and the data of welcome notifications that are done
 * (a queued one keeps its data until it is sent: a retry renders from it). Data only, no schema
 * change: an older instance still running during the rollout may write a name again, which the
 * same statements clear (run them again, or once more after the rollout).
 */
export class ForgetStoredNames1765310000002 implements MigrationInterface {
  name = 'ForgetStoredNames1765310000002';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      UPDATE recipients SET name = NULL WHERE name IS NOT NULL;
      UPDATE notifications SET data = data - 'name' WHERE template = 'welcome' AND status <> 'queued' AND data ? 'name'`);
  }

  async down(): Promise<void> {
    // Forgotten on purpose: there is nothing to restore.
  }
}
