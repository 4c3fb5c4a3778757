import { Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { APP_CONFIG, ValidationProblemException, type FieldError } from '@ecotrack/platform';
import { isEmail } from 'class-validator';
import type { EntityManager, Repository } from 'typeorm';
import { ChannelSendError, ChannelUnavailableError, type Channel, type SendReceipt } from '../channels/channel';
import { ChannelSenders } from '../channels/channels.module';
import type { NotificationConfig } from '../config';
import { PreferencesService } from '../preferences/preferences.service';
import { PushSubscriptionsService } from '../push/push-subscriptions.service';
import { renderTemplate, validateTemplateData, type RenderedMessage, type TemplateData, type TemplateName } from '../templates/templates';
import type { DeliveryOutcome } from './delivery-outcome';
import type { CreateNotificationDto } from './dto/create-notification.dto';
import { Notification } from './notification.entity';
import { backoffMs, RetryQueue } from './retry-queue';

const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * One notification: validated and rendered before anything is written; an opted-out
 * channel is recorded as failed (opted-out) and never reaches a provider; otherwise the row
 * is written `queued`, handed to the channel's provider, and ends `sent` with the provider's
 * message id or `failed` with the provider's refusal. A provider that could not take it
 * (network, timeout, 5xx) leaves it `queued` with a retry scheduled, with backoff, until
 * NOTIFICATION_MAX_ATTEMPTS calls have been made; then it is `failed`. Push goes to every
 * browser the user subscribed (see PushSubscriptionsService.deliver). Providers' delivery
 * reports (Twilio status callbacks, SendGrid events) then move it to `delivered` or `failed`.
 */
@Injectable()
export class NotificationsService {
  private readonly logger = new Logger(NotificationsService.name);

  constructor(
    @InjectRepository(Notification) private readonly notifications: Repository<Notification>,
    private readonly senders: ChannelSenders,
    private readonly preferences: PreferencesService,
    private readonly retries: RetryQueue,
    private readonly pushSubscriptions: PushSubscriptionsService,
    @Inject(APP_CONFIG) private readonly config: NotificationConfig,
  ) {}

  async send(request: CreateNotificationDto): Promise<Notification> {
    const errors = [...recipientErrors(request), ...validateTemplateData(request.template, request.data)];
    if (errors.length) throw new ValidationProblemException(errors);
    const message = renderTemplate(request.template, request.data as TemplateData<TemplateName>);
    const base = { userId: request.userId, channel: request.channel, template: request.template, recipient: request.to ?? null, data: request.data, attempts: 0 };

    if (!(await this.preferences.optedIn(request.userId, request.channel))) {
      return this.notifications.save(this.notifications.create({ ...base, status: 'failed', provider: null, providerMessageId: null, failureReason: 'opted-out' }));
    }

    const deliver = this.sender(request.channel);
    const row = await this.notifications.save(
      this.notifications.create({ ...base, status: 'queued', provider: deliver.provider, providerMessageId: null, failureReason: null }),
    );
    await this.attempt(row, message);
    return this.get(row.id);
  }

  /** Retries whatever is due; called by the RetryWorker. */
  async retryDue(): Promise<number> {
    const ids = await this.retries.claimDue();
    for (const id of ids) {
      const row = await this.notifications.findOneBy({ id });
      if (!row || row.status !== 'queued') continue;
      try {
        await this.attempt(row, renderTemplate(row.template as TemplateName, (row.data ?? {}) as TemplateData<TemplateName>));
      } catch (error) {
        const reason = error instanceof ChannelUnavailableError ? 'channel-unavailable' : `error: ${(error as Error).message}`;
        await this.notifications.update({ id, status: 'queued' }, { status: 'failed', failureReason: reason.slice(0, 512) });
        this.logger.warn(`notification ${id}: retry failed: ${(error as Error).message}`);
      }
    }
    return ids.length;
  }

  /** One provider call; the row ends sent, failed, or queued with the next attempt scheduled. */
  private async attempt(row: Notification, message: RenderedMessage): Promise<void> {
    const deliver = this.sender(row.channel);
    const attempts = row.attempts + 1;
    try {
      const receipt = await deliver.send(row, message);
      await this.notifications.update({ id: row.id }, { status: 'sent', attempts, providerMessageId: receipt.providerMessageId, failureReason: null });
    } catch (error) {
      if (!(error instanceof ChannelSendError)) throw error;
      const reason = `${error.kind}: ${error.message}`.slice(0, 512);
      if (error.kind === 'unavailable' && attempts < this.config.NOTIFICATION_MAX_ATTEMPTS) {
        await this.notifications.update({ id: row.id }, { attempts, failureReason: reason });
        await this.retries.schedule(row.id, Date.now() + backoffMs(attempts, this.config.NOTIFICATION_RETRY_BASE_MS));
      } else {
        await this.notifications.update({ id: row.id }, { status: 'failed', attempts, failureReason: reason });
      }
    }
  }

  async get(id: string): Promise<Notification> {
    const notification = await this.notifications.findOneBy({ id });
    if (!notification) throw new NotFoundException('no such resource');
    return notification;
  }

  /**
   * A provider's delivery report, shared by every provider's webhook: moves the notification only
   * forward, from queued/sent to delivered or failed, so a late, repeated or out-of-order report
   * never undoes a final state. Matches the provider (and its message id, when the report names
   * one); `manager` runs it inside the caller's transaction. True when the notification moved.
   */
  async recordOutcome(target: { id: string; provider: string; providerMessageId?: string }, outcome: DeliveryOutcome, manager?: EntityManager): Promise<boolean> {
    const next = outcome.status === 'delivered' ? { status: 'delivered' as const } : { status: 'failed' as const, failureReason: outcome.reason.slice(0, 512) };
    const query = (manager ?? this.notifications.manager)
      .createQueryBuilder()
      .update(Notification)
      .set(next)
      .where(`id = :id AND provider = :provider AND status IN ('queued', 'sent')`, { id: target.id, provider: target.provider });
    if (target.providerMessageId !== undefined) query.andWhere('provider_message_id = :providerMessageId', { providerMessageId: target.providerMessageId });
    return ((await query.execute()).affected ?? 0) > 0;
  }

  list(userId: string, limit: number, offset: number): Promise<Notification[]> {
    return this.notifications.find({ where: { userId }, order: { createdAt: 'DESC', id: 'DESC' }, take: limit, skip: offset });
  }

  /** The channel's provider as one send function; throws ChannelUnavailableError when unconfigured. */
  private sender(channel: Channel): { provider: string; send: (row: Notification, message: RenderedMessage) => Promise<SendReceipt> } {
    switch (channel) {
      case 'email': {
        const email = this.senders.email();
        return { provider: email.provider, send: (row, m) => email.send({ to: row.recipient ?? '', subject: m.subject, text: m.text, html: m.html, notificationId: row.id }) };
      }
      case 'sms': {
        const sms = this.senders.sms();
        return { provider: sms.provider, send: (row, m) => sms.send({ to: row.recipient ?? '', body: m.text, notificationId: row.id }) };
      }
      case 'push': {
        const push = this.senders.push();
        return {
          provider: push.provider,
          send: (row, m) => this.pushSubscriptions.deliver(push, row.userId, { notificationId: row.id, template: row.template, title: m.subject, body: m.text }),
        };
      }
    }
  }
}

function recipientErrors(request: CreateNotificationDto): FieldError[] {
  if (request.channel === 'push') {
    return request.to === undefined ? [] : [{ field: 'to', message: "to must be omitted for channel push: it goes to the user's push subscriptions" }];
  }
  if (request.channel === 'email' && !(request.to !== undefined && isEmail(request.to))) return [{ field: 'to', message: 'to must be an email address for channel email' }];
  if (request.channel === 'sms' && !(request.to !== undefined && E164.test(request.to))) return [{ field: 'to', message: 'to must be an E.164 number (+15551234567) for channel sms' }];
  return [];
}
