import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/**
 * The address book: user id → email address and name, from user.events. Read and written with the
 * consumer's EntityManager, so a recipient and the notification that used it commit together.
 */
@Injectable()
export class RecipientsService {
  /** Upsert; an older fact (by the event's occurredAt) never overwrites a newer one. */
  async remember(manager: EntityManager, recipient: { userId: string; email: string; name?: string }, at: Date): Promise<void> {
    await manager.query(
      `INSERT INTO recipients (user_id, email, name, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email, name = EXCLUDED.name, updated_at = EXCLUDED.updated_at
        WHERE recipients.updated_at <= EXCLUDED.updated_at`,
      [recipient.userId, recipient.email, recipient.name ?? null, at],
    );
  }

  async addressOf(manager: EntityManager, userId: string): Promise<string | undefined> {
    const rows: { email: string }[] = await manager.query(`SELECT email FROM recipients WHERE user_id = $1`, [userId]);
    return rows[0]?.email;
  }
}
