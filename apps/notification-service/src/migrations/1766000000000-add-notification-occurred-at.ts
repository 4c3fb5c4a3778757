import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * notifications.occurred_at: when what a notification tells of happened (the event's occurredAt;
 * the request, over HTTP), so the delivery time (ecotrack_notification_delivery_seconds) runs
 * from there to the provider's acceptance. Nullable: rows from before it have none and are not
 * timed. Adding a nullable column without default rewrites nothing.
 */
export class AddNotificationOccurredAt1766000000000 implements MigrationInterface {
  name = 'AddNotificationOccurredAt1766000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE notifications ADD COLUMN occurred_at timestamptz`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE notifications DROP COLUMN occurred_at`);
  }
}
