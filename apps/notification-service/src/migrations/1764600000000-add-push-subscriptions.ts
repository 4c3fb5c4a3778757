import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddPushSubscriptions1764600000000 implements MigrationInterface {
  name = 'AddPushSubscriptions1764600000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE push_subscriptions (
        id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id    uuid          NOT NULL,
        endpoint   varchar(2048) NOT NULL CONSTRAINT push_subscriptions_endpoint_key UNIQUE,
        p256dh     varchar(128)  NOT NULL,
        auth       varchar(64)   NOT NULL,
        created_at timestamptz   NOT NULL DEFAULT now()
      );
      CREATE INDEX push_subscriptions_user_idx ON push_subscriptions (user_id, created_at DESC)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE push_subscriptions`);
  }
}
