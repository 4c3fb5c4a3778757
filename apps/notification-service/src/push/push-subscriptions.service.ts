import { ConflictException, Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { APP_CONFIG } from '@ecotrack/core';
import { problem, ValidationProblemException } from '@ecotrack/platform';
import type { Repository } from 'typeorm';
import { ChannelSendError, PushSubscriptionGoneError, type PushSender, type SendReceipt } from '../providers/channel';
import type { NotificationConfig } from '../config';
import type { CreatePushSubscriptionDto } from './push-subscription.dto';
import { PushSubscription } from './push-subscription.entity';
import { endpointPolicy, pushSubscriptionErrors, type EndpointPolicy } from './push-subscription-rules';

/** Browsers per user that get pushes; registering one more drops the least recently registered. */
export const MAX_PUSH_SUBSCRIPTIONS_PER_USER = 10;

export const ENDPOINT_TAKEN_PROBLEM_TYPE = 'urn:ecotrack:problem:push-endpoint-taken';
export const ENDPOINT_TAKEN_DETAIL = 'this push endpoint is registered by another user; it stays theirs until they delete it (or the browser subscribes anew)';

/** What a service worker receives in its `push` event (event.data.json()). */
export interface PushPayload {
  notificationId: string;
  template: string;
  title: string;
  body: string;
}

@Injectable()
export class PushSubscriptionsService {
  private readonly logger = new Logger(PushSubscriptionsService.name);
  private readonly policy: EndpointPolicy;

  constructor(
    @InjectRepository(PushSubscription) private readonly subscriptions: Repository<PushSubscription>,
    @Inject(APP_CONFIG) config: NotificationConfig,
  ) {
    this.policy = endpointPolicy(config);
  }

  /**
   * Registers the caller's browser. Its endpoint registered again by the same user (the browser
   * subscribed again) takes the new keys. An endpoint another user registered does not move: 409.
   * Knowing an endpoint URL proves nothing, and moving it would route this user's notifications to
   * someone else's browser and leave its owner unable to delete it. The owner deletes it (logging
   * out should), or the browser makes a new subscription (a new endpoint).
   */
  async register(userId: string, request: CreatePushSubscriptionDto): Promise<PushSubscription> {
    const errors = pushSubscriptionErrors(request, this.policy);
    if (errors.length) throw new ValidationProblemException(errors);
    return this.subscriptions.manager.transaction(async (manager) => {
      const [row] = (await manager.query(
        `INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth) VALUES ($1, $2, $3, $4)
         ON CONFLICT (endpoint) DO UPDATE SET p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth, created_at = now()
          WHERE push_subscriptions.user_id = EXCLUDED.user_id
         RETURNING id`,
        [userId, request.endpoint, request.keys.p256dh, request.keys.auth],
      )) as { id: string }[];
      if (!row) throw new ConflictException(problem(409, { type: ENDPOINT_TAKEN_PROBLEM_TYPE, title: 'Push endpoint registered by another user', detail: ENDPOINT_TAKEN_DETAIL }));
      await manager.query(
        `DELETE FROM push_subscriptions WHERE user_id = $1 AND id NOT IN (
           SELECT id FROM push_subscriptions WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2)`,
        [userId, MAX_PUSH_SUBSCRIPTIONS_PER_USER],
      );
      return manager.findOneByOrFail(PushSubscription, { id: row.id });
    });
  }

  /** The caller's own only: someone else's answers 404, as if it did not exist. */
  async remove(userId: string, id: string): Promise<void> {
    const result = await this.subscriptions.delete({ id, userId });
    if (!result.affected) throw new NotFoundException('no such resource');
  }

  /**
   * One notification to every browser of the user, in parallel. A subscription the push service
   * no longer knows (404/410) is deleted. Sent when at least one push service accepted it (the
   * others are logged); otherwise unavailable when any failure is worth a retry (429, 5xx,
   * network: the retry goes to the subscriptions left), else rejected.
   */
  async deliver(sender: PushSender, userId: string, payload: PushPayload): Promise<SendReceipt> {
    const targets = await this.subscriptions.find({ where: { userId }, order: { createdAt: 'DESC', id: 'DESC' } });
    if (!targets.length) throw new ChannelSendError(sender.provider, 'rejected', 'the user has no push subscriptions');
    const body = JSON.stringify(payload);
    const results = await Promise.allSettled(
      targets.map((target) => sender.send({ target: { endpoint: target.endpoint, keys: { p256dh: target.p256dh, auth: target.auth } }, payload: body, notificationId: payload.notificationId })),
    );
    const failures: ChannelSendError[] = [];
    const receipts: SendReceipt[] = [];
    for (const [i, result] of results.entries()) {
      if (result.status === 'fulfilled') {
        receipts.push(result.value);
        continue;
      }
      if (!(result.reason instanceof ChannelSendError)) throw result.reason;
      failures.push(result.reason);
      if (result.reason instanceof PushSubscriptionGoneError) {
        // By id and keys: a subscription re-registered meanwhile (new keys) stays.
        await this.subscriptions.delete({ id: targets[i].id, auth: targets[i].auth, p256dh: targets[i].p256dh });
        this.logger.log(`push subscription ${targets[i].id} of user ${userId} is gone (HTTP ${result.reason.providerStatus}); deleted`);
      }
    }
    const detail = () => failures.map((f) => f.message.replace(`${f.provider}: `, '')).join('; ');
    if (receipts.length) {
      if (failures.length) this.logger.warn(`notification ${payload.notificationId}: ${receipts.length} of ${targets.length} push subscriptions took it; ${detail()}`);
      return { providerMessageId: receipts.length === 1 && targets.length === 1 ? receipts[0].providerMessageId : null };
    }
    const kind = failures.some((f) => f.kind === 'unavailable' && !(f instanceof PushSubscriptionGoneError)) ? 'unavailable' : 'rejected';
    throw new ChannelSendError(sender.provider, kind, `${targets.length === 1 ? 'the push subscription' : `all ${targets.length} push subscriptions`} failed: ${detail()}`);
  }
}
