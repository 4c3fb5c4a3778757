import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbox and the inbox, in each service's own database: a service lists
 * this class in its migrations (and OutboxMessage, InboxMessage in its entities).
 *
 * outbox.position (identity) is the publishing order. Not created_at: now() is
 * the TRANSACTION's start, the same for every message one transaction writes,
 * and a random uuid would then decide their order. The partial indexes keep the
 * relay's queries on the small unpublished part of the table.
 */
export class CreateOutboxAndInbox1764700000000 implements MigrationInterface {
  name = 'CreateOutboxAndInbox1764700000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE outbox (
        id            uuid         PRIMARY KEY,
        position      bigint       NOT NULL GENERATED ALWAYS AS IDENTITY,
        topic         varchar(249) NOT NULL,
        message_key   varchar(200) NOT NULL,
        message_type  varchar(100) NOT NULL,
        payload       jsonb        NOT NULL,
        headers       jsonb        NOT NULL DEFAULT '{}',
        created_at    timestamptz  NOT NULL DEFAULT now(),
        published_at  timestamptz,
        attempts      integer      NOT NULL DEFAULT 0,
        last_error    text
      );
      CREATE INDEX outbox_unpublished_idx ON outbox (position) WHERE published_at IS NULL;
      CREATE INDEX outbox_unpublished_key_idx ON outbox (topic, message_key, position) WHERE published_at IS NULL;
      CREATE INDEX outbox_published_at_idx ON outbox (published_at) WHERE published_at IS NOT NULL;

      CREATE TABLE inbox (
        consumer      varchar(200) NOT NULL,
        message_id    uuid         NOT NULL,
        processed_at  timestamptz  NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, message_id)
      );
      CREATE INDEX inbox_processed_at_idx ON inbox (processed_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE inbox; DROP TABLE outbox`);
  }
}
