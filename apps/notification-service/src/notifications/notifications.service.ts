import { Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { isTransientInfrastructureError, NonRetryableMessageError, OutboxCommitSignal, OutboxWriter, topics } from '@ecotrack/events';
import { APP_CONFIG } from '@ecotrack/core';
import { afterCommit, type FieldError, ValidationProblemException } from '@ecotrack/platform';
import { isEmail } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager, type Repository } from 'typeorm';
import type { NotificationConfig } from '../config';
import { backoffMs } from '../dispatch/backoff';
import { PreferencesService } from '../preferences/preferences.service';
import { ChannelSendError, ChannelUnavailableError, type Channel, type DeliveryOutcome, type SendReceipt } from '../providers/channel';
import { ChannelSenders } from '../providers/channels.module';
import { PushSubscriptionsService } from '../push/push-subscriptions.service';
import { isTemplateName, renderTemplate, validateTemplateData, type RenderedMessage, type TemplateData, type TemplateName } from '../templates/templates';
import type { CreateNotificationDto } from './dto/create-notification.dto';
import { Notification } from './notification.entity';
import { announcedFact, AnnouncedFacts } from './announced-facts';
import { NotificationMetrics } from './notification-metrics';
import { SealedData, type SealedFields } from './sealed-data';

const E164 = /^\+[1-9]\d{6,14}$/;

/** The failure reason of a notification whose provider call was cut short by the end of its process. */
export const INTERRUPTED_REASON = 'interrupted: the process stopped during the provider call; the outcome is unknown, so it is not sent again';

/** Fires after the commit of a transaction that recorded a queued notification: wakes this process's dispatcher. */
export const NOTIFICATIONS_RECORDED = Symbol('NOTIFICATIONS_RECORDED');

/** The reason an event's notification is recorded as failed when no UserRegistered gave us the user's address. */
export const NO_ADDRESS_REASON = 'no address on file';

/** What a domain event asks for: one notification, answering `sourceEventId` (at most one per event). */
export interface EventNotificationRequest {
  sourceEventId: string;
  userId: string;
  channel: Channel;
  template: TemplateName;
  data: Record<string, unknown>;
  /** Template fields the event delivered sealed: stored sealed, opened only to render the message (see SealedData). */
  sealed?: SealedFields;
  /** The address on file (email); undefined when there is none. */
  to: string | undefined;
  /** When the event happened (its occurredAt): the delivery time runs from there. */
  occurredAt: Date;
}

/** What recording an event's notification came to. */
export type RecordResult = { result: 'queued'; id: string } | { result: 'failed'; id: string; reason: string } | { result: 'duplicate' };

/** A notification whose provider call this process has claimed: it, and only it, makes that call. */
interface ClaimedNotification {
  id: string;
  userId: string;
  channel: Channel;
  template: string;
  recipient: string | null;
  data: Record<string, unknown> | null;
  sealedData: SealedFields | null;
  /** Provider calls started so far, this one included. */
  attempts: number;
  claimId: string;
  occurredAt: Date | null;
  /** The domain event it answers; null when it was sent over HTTP. */
  sourceEventId: string | null;
}

type Outcome =
  | { status: 'sent'; provider: string; receipt: SendReceipt }
  | { status: 'retry'; provider?: string; reason: string; delayMs: number }
  | { status: 'failed'; provider?: string; reason: string };

interface NewNotification {
  userId: string;
  channel: Channel;
  template: string;
  recipient: string | null;
  data: Record<string, unknown>;
  sealedData?: SealedFields;
  sourceEventId?: string;
  status: 'queued' | 'failed';
  provider: string | null;
  failureReason: string | null;
  /** Set: the row is inserted already claimed (the caller makes the first call now); unset and queued: due now. */
  claimId?: string;
  occurredAt: Date;
}

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
const clip = (text: string) => text.slice(0, 512);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** manager.query of an UPDATE ... RETURNING gives [rows, count]. */
const updatedRows = <T>(result: unknown): T[] => (result as [T[], number])[0];

/**
 * One notification, recorded in PostgreSQL before any provider call; PostgreSQL is the queue.
 *
 * Over HTTP (`send`): validated and rendered before anything is written; an opted-out channel is
 * recorded failed (opted-out) and never reaches a provider; otherwise the row is written queued
 * AND claimed, the first provider call is made at once and the caller gets its result.
 *
 * From a domain event (`record`, in the consumer's transaction): the row is only recorded, queued
 * and due, or failed (opted-out, no address on file, channel not configured); source_event_id is
 * unique, so an event gives one notification at most. The dispatcher sends it after that commit.
 *
 * Every provider call happens under a claim (claim_id, claimed_until) committed before the call:
 *  - sent: status sent with the provider's message id, and NotificationSent into the outbox, in one
 *    transaction;
 *  - the provider could not take it (network, timeout, 5xx): queued again, due after a backoff,
 *    until NOTIFICATION_MAX_ATTEMPTS calls were made; then failed;
 *  - refused (4xx): failed with the provider's reason.
 * A claim still held after its lease belonged to a process that died during the call: whether the
 * provider took the message is unknown, so it is failed (interrupted), never called again: at most
 * one message per notification. A process that dies BEFORE its call never claimed anything: the
 * row stays due and any instance sends it. Providers' delivery reports (Twilio status callbacks,
 * SendGrid events) then move it to delivered or failed.
 */
@Injectable()
export class NotificationsService {
  private readonly logger = new Logger(NotificationsService.name);

  constructor(
    @InjectRepository(Notification) private readonly notifications: Repository<Notification>,
    private readonly dataSource: DataSource,
    private readonly senders: ChannelSenders,
    private readonly preferences: PreferencesService,
    private readonly pushSubscriptions: PushSubscriptionsService,
    private readonly outbox: OutboxWriter,
    private readonly sealedData: SealedData,
    @Inject(NOTIFICATIONS_RECORDED) private readonly recorded: OutboxCommitSignal,
    @Inject(APP_CONFIG) private readonly config: NotificationConfig,
    private readonly metrics: NotificationMetrics,
    private readonly announced: AnnouncedFacts,
  ) {}

  async send(request: CreateNotificationDto): Promise<Notification> {
    const errors = [...recipientErrors(request), ...validateTemplateData(request.template, request.data)];
    if (errors.length) throw new ValidationProblemException(errors);
    const message = renderTemplate(request.template, request.data as TemplateData<TemplateName>);
    const occurredAt = new Date();
    const base = { userId: request.userId, channel: request.channel, template: request.template, recipient: request.to ?? null, data: request.data, occurredAt };
    const manager = this.dataSource.manager;

    if (!(await this.preferences.optedIn(request.userId, request.channel))) {
      const id = await this.insert(manager, { ...base, status: 'failed', provider: null, failureReason: 'opted-out' });
      this.metrics.count(request.channel, 'skipped');
      return this.get(id!);
    }

    const deliver = this.sender(request.channel);
    const claimId = randomUUID();
    const id = (await this.insert(manager, { ...base, status: 'queued', provider: deliver.provider, failureReason: null, claimId }))!;
    await this.attempt({ id, ...base, sealedData: null, attempts: 1, claimId, sourceEventId: null }, message);
    return this.get(id);
  }

  /**
   * Records the notification a domain event asks for, in the consumer's transaction; no provider
   * call here. The dispatcher of this process is woken once that transaction commits.
   * Throws NonRetryableMessageError when the event's data does not fit the template (a bug: the
   * message belongs in the dead-letter topic, to be replayed once fixed).
   */
  async record(manager: EntityManager, request: EventNotificationRequest): Promise<RecordResult> {
    const errors = validateTemplateData(request.template, SealedData.withPlaceholders(request.data, request.sealed));
    if (errors.length) throw new NonRetryableMessageError(`template ${request.template}: ${errors.map((e) => e.message).join('; ')}`);
    const base = {
      userId: request.userId,
      channel: request.channel,
      template: request.template,
      data: request.data,
      sourceEventId: request.sourceEventId,
      occurredAt: request.occurredAt,
    };
    const recipient = request.channel === 'push' ? null : (request.to ?? null);

    let failure: string | undefined;
    let provider: string | null = null;
    if (!(await this.preferences.optedIn(request.userId, request.channel, manager))) failure = 'opted-out';
    else if (request.channel !== 'push' && !recipient) failure = NO_ADDRESS_REASON;
    else {
      try {
        provider = this.sender(request.channel).provider;
      } catch (error) {
        if (!(error instanceof ChannelUnavailableError)) throw error;
        failure = `channel-unavailable: ${error.message}`;
      }
    }

    const id = await this.insert(manager, {
      ...base,
      // Kept (sealed) only while there is something to send.
      sealedData: failure ? undefined : request.sealed,
      recipient,
      status: failure ? 'failed' : 'queued',
      provider,
      failureReason: failure ?? null,
    });
    if (!id) return { result: 'duplicate' };
    if (failure) {
      // Opted out or no address: nothing was meant to be sent. An unconfigured channel: it could not be.
      this.metrics.count(request.channel, failure === 'opted-out' || failure === NO_ADDRESS_REASON ? 'skipped' : 'failed', manager);
      return { result: 'failed', id, reason: failure };
    }
    this.recorded.written(manager);
    return { result: 'queued', id };
  }

  /**
   * One dispatcher pass: fails the claims that outlived their lease, claims up to `limit` due
   * notifications (FOR UPDATE SKIP LOCKED: instances never claim the same row) and makes their
   * provider calls. Returns how many were claimed.
   */
  async dispatchDue(limit: number): Promise<number> {
    await this.failInterrupted();
    const claimed = await this.claimDue(limit);
    await Promise.all(claimed.map((row) => this.dispatch(row)));
    return claimed.length;
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

  /** The row's id; undefined when the event already has its notification (source_event_id is unique). */
  private async insert(manager: EntityManager, row: NewNotification): Promise<string | undefined> {
    const claimed = row.claimId !== undefined;
    const inserted: { id: string }[] = await manager.query(
      `INSERT INTO notifications
         (user_id, channel, template, status, recipient, provider, failure_reason, data, attempts, source_event_id, next_attempt_at, claim_id, claimed_until, sealed_data, occurred_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10,
               CASE WHEN $11::boolean THEN now() END, $12::uuid, CASE WHEN $12::uuid IS NOT NULL THEN now() + make_interval(secs => $13) END, $14::jsonb, $15)
       ON CONFLICT (source_event_id) DO NOTHING
       RETURNING id`,
      [
        row.userId,
        row.channel,
        row.template,
        row.status,
        row.recipient,
        row.provider,
        row.failureReason,
        JSON.stringify(row.data),
        claimed ? 1 : 0,
        row.sourceEventId ?? null,
        row.status === 'queued' && !claimed,
        row.claimId ?? null,
        this.config.NOTIFICATION_CLAIM_LEASE_MS / 1000,
        row.sealedData ? JSON.stringify(row.sealedData) : null,
        row.occurredAt,
      ],
    );
    return inserted[0]?.id;
  }

  private async failInterrupted(): Promise<void> {
    const result = await this.dataSource.query(
      `UPDATE notifications SET status = 'failed', failure_reason = $1, sealed_data = NULL, updated_at = now()
        WHERE id IN (SELECT id FROM notifications
                      WHERE status = 'queued' AND claim_id IS NOT NULL AND claimed_until < now()
                      LIMIT 100 FOR UPDATE SKIP LOCKED)
       RETURNING id, channel`,
      [INTERRUPTED_REASON],
    );
    for (const { id, channel } of updatedRows<{ id: string; channel: Channel }>(result)) {
      this.logger.warn(`notification ${id}: its provider call was interrupted (claim expired); failed, not resent`);
      this.metrics.count(channel, 'failed');
    }
  }

  private async claimDue(limit: number): Promise<ClaimedNotification[]> {
    const result = await this.dataSource.query(
      `UPDATE notifications n
          SET claim_id = gen_random_uuid(), claimed_until = now() + make_interval(secs => $2), next_attempt_at = NULL,
              attempts = n.attempts + 1, updated_at = now()
        WHERE n.id IN (SELECT id FROM notifications
                        WHERE status = 'queued' AND claim_id IS NULL AND next_attempt_at <= now()
                        ORDER BY next_attempt_at
                        LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING n.id, n.user_id, n.channel, n.template, n.recipient, n.data, n.sealed_data, n.attempts, n.claim_id, n.occurred_at, n.source_event_id`,
      [limit, this.config.NOTIFICATION_CLAIM_LEASE_MS / 1000],
    );
    return updatedRows<Record<string, unknown>>(result).map((row) => ({
      id: row.id as string,
      userId: row.user_id as string,
      channel: row.channel as Channel,
      template: row.template as string,
      recipient: row.recipient as string | null,
      data: row.data as Record<string, unknown> | null,
      sealedData: row.sealed_data as SealedFields | null,
      attempts: row.attempts as number,
      claimId: row.claim_id as string,
      occurredAt: row.occurred_at as Date | null,
      sourceEventId: row.source_event_id as string | null,
    }));
  }

  /** A claimed row from the database: rendered from its stored template and data (its sealed fields opened), then its provider call. */
  private async dispatch(row: ClaimedNotification): Promise<void> {
    let opened: Record<string, string>;
    try {
      opened = await this.sealedData.open(row.sealedData);
    } catch (error) {
      // OpenBao away: a retry like a provider outage; refused (policy, bad ciphertext): it never will.
      const reason = `${SealedData.isOutage(error) ? 'unavailable' : 'error'}: cannot open its sealed data: ${reasonOf(error)}`;
      this.logger.warn(`notification ${row.id}: ${reason}`);
      const retry = SealedData.isOutage(error) && row.attempts < this.config.NOTIFICATION_MAX_ATTEMPTS;
      await this.finish(row, retry ? { status: 'retry', reason, delayMs: backoffMs(row.attempts, this.config.NOTIFICATION_RETRY_BASE_MS) } : { status: 'failed', reason }).catch(
        () => undefined,
      );
      return;
    }
    let message: RenderedMessage;
    try {
      const data = { ...(row.data ?? {}), ...opened };
      if (!isTemplateName(row.template)) throw new Error(`unknown template ${row.template}`);
      const errors = validateTemplateData(row.template, data);
      if (errors.length) throw new Error(errors.map((e) => e.message).join('; '));
      message = renderTemplate(row.template, data as TemplateData<TemplateName>);
    } catch (error) {
      this.logger.warn(`notification ${row.id}: cannot render: ${reasonOf(error)}`);
      await this.finish(row, { status: 'failed', reason: `error: cannot render: ${reasonOf(error)}` }).catch(() => undefined);
      return;
    }
    if (await this.announcedAlready(row)) return;
    // attempt() writes every outcome it reaches; what it throws is for the log.
    await this.attempt(row, message).catch((error: unknown) => this.logger.warn(`notification ${row.id}: ${reasonOf(error)}`));
  }

  /**
   * An event's announcement (an order's outcome, a receipt) goes out once, even when a restore of
   * the database made the saga announce it again under a new event (AnnouncedFacts). True when the
   * row is finished here: a repeat (failed as a duplicate), or Redis away (retried later, like a provider outage).
   */
  private async announcedAlready(row: ClaimedNotification): Promise<boolean> {
    const fact = row.sourceEventId ? announcedFact(row) : undefined;
    if (!fact) return false;
    let ours: boolean;
    try {
      ours = await this.announced.claim(fact, row.id);
    } catch (error) {
      const reason = `unavailable: cannot check whether ${fact} was announced: ${reasonOf(error)}`;
      const retry = row.attempts < this.config.NOTIFICATION_MAX_ATTEMPTS;
      await this.finish(row, retry ? { status: 'retry', reason, delayMs: backoffMs(row.attempts, this.config.NOTIFICATION_RETRY_BASE_MS) } : { status: 'failed', reason }).catch(() => undefined);
      return true;
    }
    if (ours) return false;
    this.logger.warn(`notification ${row.id}: ${fact} was announced already (a restored database announced it again); not sent`);
    await this.finish(row, { status: 'failed', reason: `duplicate: ${fact} was announced already` }).catch(() => undefined);
    return true;
  }

  /** One provider call under `row`'s claim; the outcome is written under the same claim. */
  private async attempt(row: ClaimedNotification, message: RenderedMessage): Promise<void> {
    let deliver: ReturnType<NotificationsService['sender']>;
    try {
      deliver = this.sender(row.channel);
    } catch (error) {
      if (!(error instanceof ChannelUnavailableError)) throw error;
      await this.finish(row, { status: 'failed', reason: `channel-unavailable: ${error.message}` });
      return;
    }
    let receipt: SendReceipt;
    try {
      receipt = await deliver.send(row, message);
    } catch (error) {
      if (!(error instanceof ChannelSendError)) {
        await this.finish(row, { status: 'failed', provider: deliver.provider, reason: `error: ${reasonOf(error)}` });
        throw error;
      }
      const reason = `${error.kind}: ${error.message}`;
      if (error.kind === 'unavailable' && row.attempts < this.config.NOTIFICATION_MAX_ATTEMPTS) {
        await this.finish(row, { status: 'retry', provider: deliver.provider, reason, delayMs: backoffMs(row.attempts, this.config.NOTIFICATION_RETRY_BASE_MS) });
      } else {
        await this.finish(row, { status: 'failed', provider: deliver.provider, reason });
      }
      return;
    }
    await this.finish(row, { status: 'sent', provider: deliver.provider, receipt });
  }

  /**
   * Writes the outcome of a call under its claim. After a provider took the message, losing that
   * write would turn into "interrupted" later: a database outage is waited out (bounded) here.
   */
  private async finish(row: ClaimedNotification, outcome: Outcome): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.writeOutcome(row, outcome);
        return;
      } catch (error) {
        if (!isTransientInfrastructureError(error) || attempt >= 8) {
          this.logger.error(`notification ${row.id}: cannot record its outcome (${outcome.status}): ${reasonOf(error)}`);
          throw error;
        }
        await sleep(backoffMs(attempt, 250));
      }
    }
  }

  /**
   * Matched by claim: a late outcome still lands after the claim was declared interrupted (the
   * truth beats the guess), but never over a delivery report that already arrived.
   */
  private async writeOutcome(row: ClaimedNotification, outcome: Outcome): Promise<void> {
    const ours = `id = $1 AND claim_id = $2 AND (status = 'queued' OR failure_reason = $3)`;
    if (outcome.status === 'retry') {
      await this.dataSource.query(
        `UPDATE notifications
            SET status = 'queued', failure_reason = $4, provider = COALESCE($5, provider), next_attempt_at = now() + make_interval(secs => $6),
                claim_id = NULL, claimed_until = NULL, updated_at = now()
          WHERE ${ours}`,
        [row.id, row.claimId, INTERRUPTED_REASON, clip(outcome.reason), outcome.provider ?? null, outcome.delayMs / 1000],
      );
      return;
    }
    if (outcome.status === 'failed') {
      // The subquery reads the row as it was before this UPDATE (one snapshot per statement).
      const result = await this.dataSource.query(
        `UPDATE notifications
            SET status = 'failed', failure_reason = $4, provider = COALESCE($5, provider), next_attempt_at = NULL,
                claim_id = NULL, claimed_until = NULL, sealed_data = NULL, updated_at = now()
          WHERE ${ours}
         RETURNING (SELECT was.status FROM notifications was WHERE was.id = $1) AS was`,
        [row.id, row.claimId, INTERRUPTED_REASON, clip(outcome.reason), outcome.provider ?? null],
      );
      // Failed once: one declared interrupted was counted failed then.
      if (updatedRows<{ was: string }>(result)[0]?.was === 'queued') this.metrics.count(row.channel, 'failed');
      return;
    }
    await this.dataSource.transaction(async (tx) => {
      // A delivery report may have overtaken us (status delivered, or failed by a bounce): it stays.
      const result = await tx.query(
        `UPDATE notifications
            SET status = CASE WHEN status = 'queued' OR failure_reason = $3 THEN 'sent' ELSE status END,
                failure_reason = CASE WHEN status = 'queued' OR failure_reason = $3 THEN NULL ELSE failure_reason END,
                provider = $4, provider_message_id = $5, next_attempt_at = NULL, claim_id = NULL, claimed_until = NULL, sealed_data = NULL, updated_at = now()
          WHERE id = $1 AND claim_id = $2
         RETURNING id`,
        [row.id, row.claimId, INTERRUPTED_REASON, outcome.provider, outcome.receipt.providerMessageId],
      );
      if (updatedRows(result).length === 0) return;
      // The provider took it: sent, even when a delivery report overtook this write or the claim
      // had been declared interrupted (then counted failed as well: the guess, corrected here).
      afterCommit(tx, () => this.metrics.countSent(row.channel, row.occurredAt));
      await this.outbox.write(tx, {
        topic: topics.notification.events,
        type: 'NotificationSent',
        aggregateId: row.id,
        payload: { notificationId: row.id, userId: row.userId, channel: row.channel, template: row.template },
      });
    });
  }

  /** The channel's provider as one send function; throws ChannelUnavailableError when unconfigured. */
  private sender(channel: Channel): { provider: string; send: (row: ClaimedNotification, message: RenderedMessage) => Promise<SendReceipt> } {
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
