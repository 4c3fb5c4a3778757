import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateNotifications1764150000000 implements MigrationInterface {
  name = 'CreateNotifications1764150000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE notifications (
        id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id     uuid        NOT NULL,
        channel     varchar(8)  NOT NULL CHECK (channel IN ('email', 'sms', 'push')),
        template    varchar(64) NOT NULL,
        status      varchar(16) NOT NULL CHECK (status IN ('queued', 'sent', 'delivered', 'failed')),
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX notifications_user_idx ON notifications (user_id, created_at DESC)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE notifications`);
  }
}
