import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The coordinator's table; a service that runs sagas lists this migration with its own. */
export class CreateSagaInstances1764700001000 implements MigrationInterface {
  name = 'CreateSagaInstances1764700001000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE saga_instances (
        id uuid PRIMARY KEY,
        saga_name varchar(64) NOT NULL,
        status varchar(16) NOT NULL CHECK (status IN ('RUNNING', 'COMPENSATING', 'COMPLETED', 'REJECTED', 'FAILED')),
        step_index smallint NOT NULL,
        attempt smallint NOT NULL DEFAULT 1,
        data jsonb NOT NULL,
        -- The command whose reply the instance waits for: any other reply is late or duplicated.
        awaiting_message_id uuid,
        -- How long that command may take; with the outbox, counted from when it was published.
        step_timeout_ms integer,
        deadline_at timestamptz,
        failure_reason text,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    await queryRunner.query(
      `CREATE INDEX saga_instances_active_deadline ON saga_instances (deadline_at) WHERE status IN ('RUNNING', 'COMPENSATING')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE saga_instances');
  }
}
