import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notifications from domain events, and dispatch from PostgreSQL instead of a Redis retry queue.
 *
 * recipients: the address book, filled from user.events (UserRegistered).
 * notifications.source_event_id: the envelope id of the event a notification answers; UNIQUE, so
 *   one event can never give two notifications (even after its inbox row is pruned).
 * notifications.next_attempt_at: when a queued notification is due (its first send or a retry).
 * notifications.claim_id / claimed_until: the provider call in progress (the dispatcher's claim);
 *   a claim still held after claimed_until belonged to a process that stopped during the call.
 *
 * Rows queued before this migration (their retry time lived in Redis) become due at once, so none
 * is left behind by the switch.
 */
export class AddEventNotifications1764800000000 implements MigrationInterface {
  name = 'AddEventNotifications1764800000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE recipients (
        user_id    uuid         PRIMARY KEY,
        email      varchar(320) NOT NULL,
        name       varchar(200),
        updated_at timestamptz  NOT NULL DEFAULT now()
      );
      ALTER TABLE notifications
        ADD COLUMN source_event_id uuid CONSTRAINT notifications_source_event_key UNIQUE,
        ADD COLUMN next_attempt_at timestamptz,
        ADD COLUMN claim_id        uuid,
        ADD COLUMN claimed_until   timestamptz;
      UPDATE notifications SET next_attempt_at = now() WHERE status = 'queued';
      CREATE INDEX notifications_due_idx ON notifications (next_attempt_at) WHERE status = 'queued' AND claim_id IS NULL;
      CREATE INDEX notifications_claimed_idx ON notifications (claimed_until) WHERE status = 'queued' AND claim_id IS NOT NULL`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP INDEX notifications_claimed_idx;
      DROP INDEX notifications_due_idx;
      ALTER TABLE notifications DROP COLUMN source_event_id, DROP COLUMN next_attempt_at, DROP COLUMN claim_id, DROP COLUMN claimed_until;
      DROP TABLE recipients`);
  }
}
