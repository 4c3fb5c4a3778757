import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddSendGridEvents1764600000001 implements MigrationInterface {
  name = 'AddSendGridEvents1764600000001';

  async up(db: QueryRunner): Promise<void> {
    // One row per SendGrid event that reported an outcome; the key deduplicates redeliveries.
    await db.query(`
      CREATE TABLE sendgrid_events (
        sg_event_id     varchar(128) PRIMARY KEY,
        notification_id uuid         NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
        event           varchar(32)  NOT NULL,
        sg_message_id   varchar(256),
        occurred_at     timestamptz,
        received_at     timestamptz  NOT NULL DEFAULT now()
      );
      CREATE INDEX sendgrid_events_notification_idx ON sendgrid_events (notification_id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE sendgrid_events`);
  }
}
