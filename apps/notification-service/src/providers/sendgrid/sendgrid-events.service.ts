import { Injectable } from '@nestjs/common';
import { ValidationProblemException, type FieldError } from '@ecotrack/platform';
import { isUUID } from 'class-validator';
import { DataSource } from 'typeorm';
import { Notification } from '../../notifications/notification.entity';
import { NotificationsService } from '../../notifications/notifications.service';
import { NOTIFICATION_ID_CUSTOM_ARG } from './sendgrid-email.sender';
import { SendGridEventRecord } from './sendgrid-event.entity';
import { sendGridOutcome, type SendGridEvent } from './sendgrid-outcome';

export interface SendGridIngestResult {
  /** Events with an outcome for one of our SendGrid notifications, recorded now (the notification moved if it was still queued/sent). */
  recorded: number;
  /** Events recorded before (same sg_event_id): acknowledged, no effect. */
  duplicates: number;
  /** Events without an outcome (processed, deferred, open, ...) or not about one of our notifications. */
  ignored: number;
}

/** The field errors of a parsed webhook body: an array of events, each with string `event` and `sg_event_id`. */
export function sendGridBodyErrors(body: unknown): FieldError[] {
  if (!Array.isArray(body)) return [{ field: 'body', message: 'body must be a JSON array of events' }];
  const errors: FieldError[] = [];
  body.forEach((event: unknown, i) => {
    if (typeof event !== 'object' || event === null || Array.isArray(event)) {
      errors.push({ field: `[${i}]`, message: `[${i}] must be an event object` });
      return;
    }
    for (const field of ['event', 'sg_event_id'] as const) {
      const value = (event as Record<string, unknown>)[field];
      if (typeof value !== 'string' || value.length === 0 || value.length > 128) errors.push({ field: `[${i}].${field}`, message: `[${i}].${field} must be a non-empty string of at most 128 characters` });
    }
  });
  return errors;
}

@Injectable()
export class SendGridEventsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly notifications: NotificationsService,
  ) {}

  /** A verified batch, event by event: each in its own transaction, the event recorded once and the notification moved forward. */
  async ingest(body: unknown): Promise<SendGridIngestResult> {
    const errors = sendGridBodyErrors(body);
    if (errors.length) throw new ValidationProblemException(errors);
    const result: SendGridIngestResult = { recorded: 0, duplicates: 0, ignored: 0 };
    for (const event of body as SendGridEvent[]) result[await this.ingestOne(event)] += 1;
    return result;
  }

  private async ingestOne(event: SendGridEvent): Promise<keyof SendGridIngestResult> {
    const outcome = sendGridOutcome(event);
    const notificationId = (event as unknown as Record<string, unknown>)[NOTIFICATION_ID_CUSTOM_ARG];
    if (!outcome || typeof notificationId !== 'string' || !isUUID(notificationId)) return 'ignored';
    return this.dataSource.transaction(async (manager) => {
      // Locked: two events for one notification (delivered and a late bounce) take turns.
      const ours = await manager
        .createQueryBuilder(Notification, 'n')
        .select('n.id')
        .where('n.id = :id AND n.provider = :provider', { id: notificationId, provider: 'sendgrid' })
        .setLock('pessimistic_write')
        .getOne();
      if (!ours) return 'ignored';
      const inserted = await manager
        .createQueryBuilder()
        .insert()
        .into(SendGridEventRecord)
        .values({
          sgEventId: event.sg_event_id,
          notificationId,
          event: event.event,
          sgMessageId: typeof event.sg_message_id === 'string' ? event.sg_message_id.slice(0, 256) : null,
          occurredAt: typeof event.timestamp === 'number' && Number.isFinite(event.timestamp) ? new Date(event.timestamp * 1000) : null,
        })
        .orIgnore()
        .returning('sg_event_id')
        .execute();
      if (!(inserted.raw as unknown[]).length) return 'duplicates';
      await this.notifications.recordOutcome({ id: notificationId, provider: 'sendgrid' }, outcome, manager);
      return 'recorded';
    });
  }
}
