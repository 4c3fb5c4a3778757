import type { DataSource } from 'typeorm';

const CHUNK = 5_000;

/**
 * Deletes inbox rows older than the retention. Keep it well above how late a
 * redelivery can come (consumer downtime plus topic retention), or an old
 * message replayed after its row is gone would be processed again.
 */
export async function pruneInbox(dataSource: DataSource, retentionMs: number): Promise<number> {
  let total = 0;
  for (let chunk = 0; chunk < 20; chunk++) {
    const [, deleted]: [unknown, number] = await dataSource.query(
      `DELETE FROM inbox WHERE (consumer, message_id) IN (
         SELECT consumer, message_id FROM inbox WHERE processed_at < now() - make_interval(secs => $1) LIMIT ${CHUNK})`,
      [retentionMs / 1000],
    );
    total += deleted;
    if (deleted < CHUNK) break;
  }
  return total;
}
