import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddDeliveryAndPreferences1764500000000 implements MigrationInterface {
  name = 'AddDeliveryAndPreferences1764500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE notifications
        ADD COLUMN recipient           varchar(320),
        ADD COLUMN provider            varchar(16),
        ADD COLUMN provider_message_id varchar(128),
        ADD COLUMN failure_reason      varchar(512);
      -- For status webhooks, which name the provider's message id. Not unique: a provider's id is
      -- its own promise, and Prism's static examples answer every send with the same sid.
      CREATE INDEX notifications_provider_message_idx ON notifications (provider, provider_message_id)
        WHERE provider_message_id IS NOT NULL;
      CREATE TABLE notification_preferences (
        user_id    uuid PRIMARY KEY,
        email      boolean     NOT NULL DEFAULT true,
        sms        boolean     NOT NULL DEFAULT true,
        push       boolean     NOT NULL DEFAULT true,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP TABLE notification_preferences;
      DROP INDEX notifications_provider_message_idx;
      ALTER TABLE notifications
        DROP COLUMN recipient, DROP COLUMN provider, DROP COLUMN provider_message_id, DROP COLUMN failure_reason`);
  }
}
