import { Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createEnvelope, deadLetterTopic, decodeHeaders, ensureTopics, EventsRuntime, messageHeaders, parseMessageValue, topics, type CommandPayloads } from '@ecotrack/events';
import { openBaoSecretSource } from '@ecotrack/secrets';
import { consumerJoined, SagaPlayer, startInProcess, startStripeFront, startStripeMock, startTestIdentity, type StripeFront, type TestIdentity, type VendorMock } from '@ecotrack/testing';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { paymentServiceModules } from '../src/app.module';
import { paymentConfig } from '../src/config';
import { service } from '../src/service';

/** payment-service as a saga participant under test, with what plays around it. */
export interface PaymentParticipant {
  app: NestFastifyApplication;
  db: DataSource;
  /** Plays order-service's saga: sends commands to `commands`, reads order.saga.replies and payment.events. */
  player: SagaPlayer<CommandPayloads>;
  /** stripe-mock behind a front that declines Stripe's pm_card_chargeDeclined or stalls. */
  front: StripeFront;
  commands: string;
  group: string;
  /** Removes the payments of these orders and the group's inbox, then stops everything. */
  close(orderIds: string[]): Promise<void>;
}

/**
 * payment-service in process, against real PostgreSQL and Kafka, with Stripe = stripe-mock behind
 * the front. It reads a commands topic of its own, in a consumer group of its own: a
 * payment-service running beside the test (the stack's, or the saga tests') reads payment.commands
 * in the group "payment-service", and would otherwise take some of these commands (same group) or
 * act on all of them a second time (another group). Replies and events go to the real topics.
 */
export async function startPaymentParticipant(label: string, overrides: Record<string, string> = {}): Promise<PaymentParticipant> {
  const run = randomUUID().slice(0, 8);
  const commands = `test.payment.commands.${label}.${run}`;
  const group = `payment-service-${label}-${run}`;

  @Module({ imports: paymentServiceModules({ commandsTopic: commands, groupId: group }) })
  class PaymentServiceOnItsOwnCommandsTopic {}

  const stripe: VendorMock = await startStripeMock();
  const front = await startStripeFront({ stripeMockUrl: stripe.baseUrl });
  const player = await SagaPlayer.start<CommandPayloads>({
    envelopes: { createEnvelope, messageHeaders, decodeHeaders, parseMessageValue, ensureTopics },
    commands,
    replies: topics.order.sagaReplies,
    deadLetters: deadLetterTopic(commands),
    alsoWatched: [topics.payment.events],
  });
  const identity: TestIdentity = await startTestIdentity(process.env.REDIS_URL!);
  const app = await startInProcess({ ...service, module: PaymentServiceOnItsOwnCommandsTopic, config: paymentConfig, secrets: openBaoSecretSource }, process.env as Record<string, string>, {
    JWT_JWKS_URL: identity.jwksUrl,
    STRIPE_API_BASE: front.url,
    STRIPE_SECRET_KEY: 'sk_test_front',
    CONSUMER_LAG_SAMPLE_INTERVAL_MS: '0',
    ...overrides,
  });
  const db = app.get(DataSource);
  // startInProcess marks the app ready; the events runtime then starts the consumer on our topic.
  const joined = await consumerJoined('the events runtime', () => app.get(EventsRuntime).consumer);
  if (joined !== group) throw new Error(`payment-service joined ${joined}, not ${group}`);

  return {
    app,
    db,
    player,
    front,
    commands,
    group,
    async close(orderIds) {
      if (db.isInitialized) {
        await db.query(`DELETE FROM payments WHERE order_id = ANY($1::uuid[])`, [orderIds]);
        await db.query(`DELETE FROM inbox WHERE consumer = $1`, [group]);
      }
      await app.close();
      await player.dropCommandsTopic(group);
      await player.stop();
      await identity.close();
      await front.stop();
      await stripe.stop();
    },
  };
}
