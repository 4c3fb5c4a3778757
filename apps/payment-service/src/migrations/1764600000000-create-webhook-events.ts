import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Provider events received by the webhooks: (provider, event_id) is the key, so a redelivery
 * cannot be applied twice. received_at is indexed for pruning rows older than the providers'
 * retry window (days); payment_id for "what did the providers tell us about this payment".
 */
export class CreateWebhookEvents1764600000000 implements MigrationInterface {
  name = 'CreateWebhookEvents1764600000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE webhook_events (
        provider    varchar(16)  NOT NULL CHECK (provider IN ('stripe', 'paypal')),
        event_id    varchar(255) NOT NULL,
        event_type  varchar(128) NOT NULL,
        received_at timestamptz  NOT NULL DEFAULT now(),
        payment_id  uuid REFERENCES payments (id) ON DELETE SET NULL,
        outcome     varchar(16)  NOT NULL CHECK (outcome IN ('received', 'applied', 'unchanged', 'ignored', 'unmatched', 'unhandled')),
        CONSTRAINT webhook_events_provider_event_id_key PRIMARY KEY (provider, event_id)
      );
      CREATE INDEX webhook_events_received_at_idx ON webhook_events (received_at);
      CREATE INDEX webhook_events_payment_idx ON webhook_events (payment_id) WHERE payment_id IS NOT NULL`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE webhook_events`);
  }
}
