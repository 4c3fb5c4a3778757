import { postgresOptions } from '@ecotrack/platform';
import { serviceEnv } from '@ecotrack/testing';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ForgetStoredNames1765310000002 } from '../src/migrations/1765310000002-forget-stored-names';
import { service } from '../src/service';

/** Names kept in clear before they travelled sealed are forgotten; what a pending send still needs stays. */
describe('notification-service migration 1765310000002: stored display names forgotten', () => {
  let db: DataSource;
  const [named, pending] = [randomUUID(), randomUUID()];

  beforeAll(async () => {
    db = new DataSource(postgresOptions({ url: serviceEnv(process.env as Record<string, string>, service.name).DATABASE_URL, applicationName: 'stored-names-test', entities: [] }));
    await db.initialize();
  });
  afterAll(async () => {
    await db?.query(`DELETE FROM notifications WHERE user_id = ANY($1::uuid[])`, [[named, pending]]);
    await db?.query(`DELETE FROM recipients WHERE user_id = ANY($1::uuid[])`, [[named, pending]]);
    await db?.destroy();
  });

  it("empties the address book's names and the names of welcome notifications that are done; a queued one keeps its data", async () => {
    await db.query(`INSERT INTO recipients (user_id, email, name, updated_at) VALUES ($1, 'old-1@example.org', 'Old Name One', now()), ($2, 'old-2@example.org', 'Old Name Two', now())`, [named, pending]);
    const insert = async (userId: string, status: string) =>
      (
        await db.query(
          `INSERT INTO notifications (user_id, channel, template, status, recipient, data, next_attempt_at) VALUES ($1, 'email', 'welcome', $2, 'old@example.org', '{"name": "Old Name"}'::jsonb, now() + interval '1 hour') RETURNING id`,
          [userId, status],
        )
      )[0].id as string;
    const [sent, queued] = [await insert(named, 'sent'), await insert(pending, 'queued')];

    const runner = db.createQueryRunner();
    try {
      await new ForgetStoredNames1765310000002().up(runner);
    } finally {
      await runner.release();
    }

    expect(await db.query(`SELECT user_id, email, name FROM recipients WHERE user_id = ANY($1::uuid[]) ORDER BY email`, [[named, pending]])).toEqual([
      { user_id: named, email: 'old-1@example.org', name: null },
      { user_id: pending, email: 'old-2@example.org', name: null },
    ]);
    expect((await db.query(`SELECT data FROM notifications WHERE id = $1`, [sent]))[0].data).toEqual({});
    expect((await db.query(`SELECT data FROM notifications WHERE id = $1`, [queued]))[0].data).toEqual({ name: 'Old Name' });
  });
});
