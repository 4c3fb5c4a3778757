import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * notifications.sealed_data: template fields an event delivered sealed (transit key
 * notification-fields: a verification token, a display name), field name → ciphertext. Opened
 * only to render the message; set to NULL once the notification is sent or failed. Additive
 * (nullable): an older version neither reads nor writes it.
 */
export class AddSealedNotificationData1765310000001 implements MigrationInterface {
  name = 'AddSealedNotificationData1765310000001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE notifications ADD COLUMN sealed_data jsonb;
      COMMENT ON COLUMN notifications.sealed_data IS 'template fields as OpenBao transit ciphertext (key notification-fields); NULL once final'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE notifications DROP COLUMN sealed_data`);
  }
}
