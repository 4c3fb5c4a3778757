import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { MessageHandlers, type HandlerContext } from '@ecotrack/events';
import { APP_CONFIG } from '@ecotrack/core';
import type { NotificationConfig } from '../config';
import { NotificationsService } from '../notifications/notifications.service';
import { SealedData } from '../notifications/sealed-data';
import { addressOf, notificationPlan, NOTIFYING_EVENTS, type NotifyingEvent } from './event-notifications';
import { RecipientsService } from './recipients.service';

/**
 * Domain events → notifications. Each handler runs in the consumer's transaction, with the inbox
 * row: it remembers the recipient (an event that tells the address: opened here, as only this
 * service may) and RECORDS the notification (email, queued, or failed: opted-out, no address on
 * file); it never calls a provider. Other sealed fields (a token, a name) stay sealed in the
 * notification until the dispatcher renders it. The dispatcher sends after the commit. A redelivered event finds its inbox row (skipped); a re-published one that outlived
 * its inbox row meets the notification's unique source_event_id: one notification either way.
 */
@Injectable()
export class EventNotificationHandlers implements OnModuleInit {
  private readonly logger = new Logger('EventNotifications');

  constructor(
    private readonly handlers: MessageHandlers,
    private readonly notifications: NotificationsService,
    private readonly recipients: RecipientsService,
    private readonly sealedData: SealedData,
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
    const address = addressOf(event);
    if (address) {
      const email = 'clear' in address ? address.clear : (await this.sealedData.open({ email: address.sealed })).email;
      await this.recipients.remember(manager, { userId: event.payload.userId, email }, new Date(event.occurredAt));
    }
    const plan = notificationPlan(event);
    if (!plan) return;
    const to = await this.recipients.addressOf(manager, plan.userId);
    const recorded = await this.notifications.record(manager, { sourceEventId: event.id, channel: 'email', ...plan, to, occurredAt: new Date(event.occurredAt) });
    if (recorded.result === 'failed') this.logger.log(`${event.type} ${event.id}: notification ${recorded.id} for user ${plan.userId} not sent: ${recorded.reason}`);
    if (recorded.result === 'duplicate') this.logger.log(`${event.type} ${event.id}: already notified (same event id), nothing recorded`);
  }
}
