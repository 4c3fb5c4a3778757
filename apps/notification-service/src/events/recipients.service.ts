import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/**
 * The address book: user id → email address, from user.events. Read and written with the
 * consumer's EntityManager, so a recipient and the notification that used it commit together. No
 * name is kept: the one mail that greets by name (after verification) carries it sealed.
 */
@Injectable()
export class RecipientsService {
  /** Upsert; an older fact (by the event's occurredAt) never overwrites a newer one. A name left from before is dropped. */
  async remember(manager: EntityManager, recipient: { userId: string; email: string }, at: Date): Promise<void> {
    await manager.query(
      `INSERT INTO recipients (user_id, email, name, updated_at) VALUES ($1, $2, NULL, $3)
       ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email, name = NULL, updated_at = EXCLUDED.updated_at
        WHERE recipients.updated_at <= EXCLUDED.updated_at`,
      [recipient.userId, recipient.email, at],
    );
  }

  async addressOf(manager: EntityManager, userId: string): Promise<string | undefined> {
    const rows: { email: string }[] = await manager.query(`SELECT email FROM recipients WHERE user_id = $1`, [userId]);
    return rows[0]?.email;
  }
}
