import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { MessageHandlers, type HandlerContext } from '@ecotrack/events';
import { APP_CONFIG } from '@ecotrack/platform';
import type { NotificationConfig } from '../config';
import { NotificationsService } from '../delivery/notifications.service';
import { notificationPlan, NOTIFYING_EVENTS, type NotifyingEvent } from './event-notifications';
import { RecipientsService } from './recipients.service';

/**
 * Domain events → notifications. Each handler runs in the consumer's transaction, with the inbox
 * row: it remembers the recipient (UserRegistered) and RECORDS the notification (email, queued, or
 * failed: opted-out, no address on file); it never calls a provider. The dispatcher sends after
 * the commit. A redelivered event finds its inbox row (skipped); a re-published one that outlived
 * its inbox row meets the notification's unique source_event_id: one notification either way.
 */
@Injectable()
export class EventNotificationHandlers implements OnModuleInit {
  private readonly logger = new Logger('EventNotifications');

  constructor(
    private readonly handlers: MessageHandlers,
    private readonly notifications: NotificationsService,
    private readonly recipients: RecipientsService,
    @Inject(APP_CONFIG) private readonly config: NotificationConfig,
  ) {}

  onModuleInit(): void {
    if (!this.config.NOTIFICATION_EVENTS_ENABLED) {
      this.logger.log('event consumption disabled (NOTIFICATION_EVENTS_ENABLED=false)');
      return;
    }
    for (const { topic, type } of NOTIFYING_EVENTS) {
      this.handlers.on(topic, type, (event, context) => this.handle(event as NotifyingEvent, context));
    }
  }

  async handle(event: NotifyingEvent, { manager }: Pick<HandlerContext, 'manager'>): Promise<void> {
    if (event.type === 'UserRegistered') await this.recipients.remember(manager, event.payload, new Date(event.occurredAt));
    const plan = notificationPlan(event);
    const to = await this.recipients.addressOf(manager, plan.userId);
    const recorded = await this.notifications.record(manager, { sourceEventId: event.id, channel: 'email', ...plan, to });
    if (recorded.result === 'failed') this.logger.log(`${event.type} ${event.id}: notification ${recorded.id} for user ${plan.userId} not sent: ${recorded.reason}`);
    if (recorded.result === 'duplicate') this.logger.log(`${event.type} ${event.id}: already notified (same event id), nothing recorded`);
  }
}
