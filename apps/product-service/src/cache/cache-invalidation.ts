import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import {
  createPublisherProducer,
  EventsMetrics,
  eventsSettingsFrom,
  KAFKA,
  KafkaPublisher,
  MessageConsumer,
  MessageHandlers,
  topics,
} from '@ecotrack/events';
import { APP_CONFIG, DependencyRegistry, Lifecycle } from '@ecotrack/core';
import type { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import type { ProductConfig } from '../config';
import { ReadCache } from './read-cache';

/**
 * product-service consumes its own product.events to drop the cached detail of a product whose
 * stock or price changed. Writers also invalidate right after their commit, but that is best
 * effort (a Redis blip at that moment leaves a stale entry for a whole TTL, and a read racing the
 * write can put the old value back). The event comes after the commit, and a failing Redis call
 * fails the handler, so it is retried until Redis answers (CACHE_INVALIDATION_MAX_ATTEMPTS, then
 * product.events.dlq; the entry's TTL bounds the rest). Redis is shared by every instance, so one
 * instance handling an event serves them all.
 *
 * Its OWN consumer group (CACHE_INVALIDATION_GROUP_ID, default product-service-cache), not the
 * events runtime's consumer: a partition waits while its message is retried, and kafkajs fetches
 * the next round only once the current one is done, so in a shared consumer a Redis outage would
 * hold up the order saga's commands (product.commands) behind invalidations waiting for Redis
 * (measured: 30 commands delayed ~30 s; with a long retry budget, indefinitely). The cache is an
 * optimisation; it must never slow an order.
 *
 * Searches are not touched: writes that can change a search result bump the search version
 * directly, and search entries live SEARCH_CACHE_TTL_SECONDS at most.
 */
@Injectable()
export class CacheInvalidation implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('CacheInvalidation');
  readonly handlers = new MessageHandlers();
  readonly groupId: string;
  private readonly deadLetters: KafkaPublisher;
  private readonly shutdown = new AbortController();
  private started?: Promise<void>;
  private running?: MessageConsumer;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(APP_CONFIG) private readonly config: ProductConfig & Record<string, unknown>,
    private readonly dataSource: DataSource,
    private readonly lifecycle: Lifecycle,
    private readonly dependencies: DependencyRegistry,
    private readonly metrics: EventsMetrics,
    private readonly cache: ReadCache,
  ) {
    this.groupId = config.CACHE_INVALIDATION_GROUP_ID;
    this.deadLetters = new KafkaPublisher(() => createPublisherProducer(kafka));
    this.handlers
      .on(topics.product.events, 'StockChanged', (event) => this.forget(event.payload.productId))
      .on(topics.product.events, 'ProductPriceChanged', (event) => this.forget(event.payload.productId));
  }

  /** The consumer (from bootstrap on; it starts once the service is ready). */
  get consumer(): MessageConsumer | undefined {
    return this.running;
  }

  /** Throws when Redis does not answer (or not in time): the message is then retried. */
  forget(productId: string): Promise<void> {
    return this.cache.invalidate([productId], { searches: false });
  }

  /** Readiness waits for this consumer too: a product-service whose cached products never get dropped is not ready. */
  onApplicationBootstrap(): void {
    const { consumer } = eventsSettingsFrom(this.config);
    this.running = new MessageConsumer({
      kafka: this.kafka,
      dataSource: this.dataSource,
      groupId: this.groupId,
      handlers: this.handlers,
      deadLetters: this.deadLetters,
      metrics: this.metrics,
      settings: { ...consumer, maxAttempts: this.config.CACHE_INVALIDATION_MAX_ATTEMPTS },
    });
    this.dependencies.register(this.running.readiness);
    this.started = this.startWhenReady();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.shutdown.abort();
    await this.started;
    await this.running?.stop();
    await this.deadLetters.disconnect();
  }

  /** Like the events runtime: nothing before the service is ready, then in the background. */
  private async startWhenReady(): Promise<void> {
    if (!(await this.lifecycle.whenReady(this.shutdown.signal))) return;
    this.running?.start();
    this.logger.log(`consuming ${topics.product.events} as ${this.groupId}`);
  }
}
