import { Global, Inject, Injectable, Logger, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { MessageHandlers, OutboxWriter } from '@ecotrack/events';
import { APP_CONFIG, Lifecycle } from '@ecotrack/core';
import { METRICS_REGISTRY } from '@ecotrack/telemetry';
import type { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { SagaCoordinator } from './coordinator';
import { InboxReplySource } from './inbox-reply-source';
import { OutboxCommandSender } from './outbox-command-sender';
import type { SagaSettings } from './saga.config';
import { SagaMetrics } from './saga-metrics';
import { TimeoutPoller } from './timeout-poller';
import { DEFAULT_RETRY_LIMITS } from './transitions';

/** Starts the timeout poller once the service is ready; stops it before the database closes. */
@Injectable()
class SagaRuntime implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Saga');
  private readonly poller: TimeoutPoller;
  private readonly shutdown = new AbortController();

  constructor(
    coordinator: SagaCoordinator,
    dataSource: DataSource,
    private readonly lifecycle: Lifecycle,
    @Inject(APP_CONFIG) config: Partial<SagaSettings>,
  ) {
    this.poller = new TimeoutPoller(coordinator, dataSource, {
      intervalMs: config.SAGA_TIMEOUT_POLL_MS ?? 1_000,
      stuckAfterMs: config.SAGA_STUCK_AFTER_MS ?? 300_000,
      onError: (error) => this.logger.warn(`saga timeout pass failed: ${(error as Error).message}`),
    });
  }

  onApplicationBootstrap(): void {
    void this.lifecycle.whenReady(this.shutdown.signal).then((ready) => ready && this.poller.start());
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.shutdown.abort();
    await this.poller.stop();
  }
}

/**
 * The saga coordinator for a service that orchestrates: inject SagaCoordinator, register your
 * saga definitions (onModuleInit: the coordinator then takes their replies from their reply
 * topic through the inbox), and start instances in your transactions.
 * Needs EventsModule (commands go through the outbox) and DatabaseModule.
 */
@Global()
@Module({
  providers: [
    {
      provide: SagaCoordinator,
      inject: [OutboxWriter, MessageHandlers, METRICS_REGISTRY, APP_CONFIG],
      useFactory: (outbox: OutboxWriter, handlers: MessageHandlers, registry: Registry, config: Partial<SagaSettings>) =>
        new SagaCoordinator(new OutboxCommandSender(outbox), new SagaMetrics(registry), {
          outboxTable: 'outbox',
          replies: new InboxReplySource(handlers),
          retryLimits: { maxAttempts: config.SAGA_MAX_ATTEMPTS ?? DEFAULT_RETRY_LIMITS.maxAttempts },
        }),
    },
    SagaRuntime,
  ],
  exports: [SagaCoordinator],
})
export class SagaModule {}
