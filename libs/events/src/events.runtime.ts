import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DependencyRegistry, Lifecycle, SERVICE_INFO, type ServiceInfo } from '@ecotrack/core';
import type { Admin, Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { pruneInbox } from './consumer/inbox-retention';
import { MessageConsumer } from './consumer/message-consumer';
import { MessageHandlers } from './consumer/message-handlers';
import type { EventsSettings } from './events.config';
import { KAFKA } from './kafka.module';
import { EventsMetrics } from './metrics/events-metrics';
import { KafkaPublisher } from './outbox/kafka-publisher';
import { OutboxRelay } from './outbox/outbox-relay';
import { backoffDelay, pause } from './retry/backoff';
import { ensureTopics } from './schemas/topics';

export const EVENTS_OPTIONS = Symbol('EVENTS_OPTIONS');
export const EVENTS_SETTINGS = Symbol('EVENTS_SETTINGS');

export interface EventsRuntimeOptions {
  produces?: readonly string[];
  groupId?: string;
}

const INBOX_PRUNE_INTERVAL_MS = 3600_000;

/**
 * When the messaging machinery runs. Nothing starts before the service is
 * READY (its database is initialized, its dependencies answered); then the
 * relay, the topic creation and the consumer start in the background, so a
 * Kafka outage never holds up start-up. The consumer exists (and its readiness
 * check is registered) from bootstrap on, so readiness answers 503 until it has
 * joined its group. On shutdown (before the database and the Kafka connections
 * close): the consumer finishes its in-flight messages and commits, the relay
 * finishes its round, then the producer closes.
 */
@Injectable()
export class EventsRuntime implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Events');
  private readonly abort = new AbortController();
  private readonly admin: Admin;
  private started?: Promise<void>;
  private topicsCreated?: Promise<void>;
  private inboxTimer?: NodeJS.Timeout;
  private messageConsumer?: MessageConsumer;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(EVENTS_OPTIONS) private readonly options: EventsRuntimeOptions,
    @Inject(EVENTS_SETTINGS) private readonly settings: EventsSettings,
    @Inject(SERVICE_INFO) private readonly service: ServiceInfo,
    private readonly lifecycle: Lifecycle,
    private readonly dependencies: DependencyRegistry,
    private readonly dataSource: DataSource,
    private readonly relay: OutboxRelay,
    private readonly handlers: MessageHandlers,
    private readonly publisher: KafkaPublisher,
    private readonly metrics: EventsMetrics,
  ) {
    this.admin = kafka.admin();
  }

  /** The service's consumer (undefined when it registered no handler); it starts once the service is ready. */
  get consumer(): MessageConsumer | undefined {
    return this.messageConsumer;
  }

  /** After every module's onModuleInit: the handlers are registered, the consumer's topics known. */
  onApplicationBootstrap(): void {
    if (this.handlers.topics.length > 0) {
      this.messageConsumer = new MessageConsumer({
        kafka: this.kafka,
        dataSource: this.dataSource,
        groupId: this.options.groupId ?? this.service.name,
        handlers: this.handlers,
        deadLetters: this.publisher,
        metrics: this.metrics,
        settings: this.settings.consumer,
      });
      this.dependencies.register(this.messageConsumer.readiness);
    }
    this.started = this.startWhenReady();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.abort.abort();
    clearInterval(this.inboxTimer);
    await this.started;
    await this.messageConsumer?.stop();
    await this.relay.stop();
    await this.topicsCreated;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.publisher.disconnect();
    await this.admin.disconnect().catch(() => undefined);
  }

  private async startWhenReady(): Promise<void> {
    if (!(await this.lifecycle.whenReady(this.abort.signal))) return;
    this.relay.start();
    this.topicsCreated = this.createProducedTopics();
    this.messageConsumer?.start();
    this.inboxTimer = setInterval(() => {
      pruneInbox(this.dataSource, this.settings.inboxRetentionMs).catch((error: Error) => this.logger.warn(`inbox pruning failed: ${error.message}`));
    }, INBOX_PRUNE_INTERVAL_MS);
    this.inboxTimer.unref();
  }

  /** The topics this service writes to, created if missing; retried in the background while Kafka is away. */
  private async createProducedTopics(): Promise<void> {
    const wanted = this.options.produces ?? [];
    if (wanted.length === 0) return;
    for (let attempt = 1; !this.abort.signal.aborted; attempt++) {
      try {
        await this.admin.connect();
        const created = await ensureTopics(this.admin, wanted, this.settings.topics);
        if (created.length > 0) this.logger.log(`created topics ${created.join(', ')}`);
        return;
      } catch (error) {
        const delay = backoffDelay(attempt, { initialMs: 500, maxMs: 30_000 });
        this.logger.warn(`cannot ensure topics ${wanted.join(', ')} yet: ${(error as Error).message}; next try in ${delay} ms`);
        if (!(await pause(delay, this.abort.signal))) return;
      }
    }
  }
}
