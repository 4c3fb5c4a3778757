import { Module, type DynamicModule } from '@nestjs/common';
import { APP_CONFIG, SERVICE_INFO, type ServiceInfo } from '@ecotrack/core';
import { METRICS_REGISTRY } from '@ecotrack/telemetry';
import type { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import type { MessageConsumerSettings } from './consumer/message-consumer';
import { MessageHandlers } from './consumer/message-handlers';
import { eventsSettingsFrom, type EventsSettings } from './events.config';
import { EVENTS_OPTIONS, EVENTS_SETTINGS, EventsRuntime, type EventsRuntimeOptions } from './events.runtime';
import { KAFKA, KafkaModule } from './kafka.module';
import { EventsMetrics } from './metrics/events-metrics';
import { createPublisherProducer, KafkaPublisher } from './outbox/kafka-publisher';
import { OutboxCommitSignal } from './outbox/outbox-commit-signal';
import { OutboxRelay, type OutboxRelaySettings } from './outbox/outbox-relay';
import { OutboxWriter } from './outbox/outbox-writer';

export interface EventsModuleOptions extends EventsRuntimeOptions {
  /** Topics this service writes to through its outbox; created at start-up when missing. */
  produces?: readonly string[];
  /** The consumer group of this service's handlers (and the inbox's consumer name); default: the service name. */
  groupId?: string;
  /** Overrides of the settings from the environment (eventsConfig), e.g. for tests. */
  relay?: Partial<OutboxRelaySettings>;
  consumer?: Partial<MessageConsumerSettings>;
}

function settingsFor(config: Record<string, unknown>, options: EventsModuleOptions): EventsSettings {
  const settings = eventsSettingsFrom(config);
  return { ...settings, relay: { ...settings.relay, ...options.relay }, consumer: { ...settings.consumer, ...options.consumer } };
}

/**
 * Messaging for a service: OutboxWriter (write messages in your transaction),
 * MessageHandlers (register what you consume), and, started once the service
 * is ready, the outbox relay and the consumer. Needs DatabaseModule (with
 * OutboxMessage and InboxMessage among its entities) and brings KafkaModule.
 */
@Module({})
export class EventsModule {
  static forRoot(options: EventsModuleOptions = {}): DynamicModule {
    return {
      module: EventsModule,
      global: true,
      imports: [KafkaModule],
      providers: [
        { provide: EVENTS_OPTIONS, useValue: options },
        { provide: EVENTS_SETTINGS, inject: [APP_CONFIG], useFactory: (config: Record<string, unknown>) => settingsFor(config, options) },
        { provide: EventsMetrics, inject: [METRICS_REGISTRY], useFactory: (registry: Registry) => EventsMetrics.for(registry) },
        { provide: OutboxCommitSignal, useFactory: () => new OutboxCommitSignal() },
        {
          provide: OutboxWriter,
          inject: [SERVICE_INFO, OutboxCommitSignal],
          useFactory: (service: ServiceInfo, signal: OutboxCommitSignal) => new OutboxWriter(service.name, signal),
        },
        { provide: MessageHandlers, useFactory: () => new MessageHandlers() },
        { provide: KafkaPublisher, inject: [KAFKA], useFactory: (kafka: Kafka) => new KafkaPublisher(() => createPublisherProducer(kafka)) },
        {
          provide: OutboxRelay,
          inject: [DataSource, KafkaPublisher, EVENTS_SETTINGS, EventsMetrics, OutboxCommitSignal],
          useFactory: (dataSource: DataSource, publisher: KafkaPublisher, settings: EventsSettings, metrics: EventsMetrics, signal: OutboxCommitSignal) =>
            new OutboxRelay({ dataSource, publisher, settings: settings.relay, metrics, signal }),
        },
        EventsRuntime,
      ],
      exports: [OutboxWriter, MessageHandlers, OutboxRelay, EventsMetrics, EventsRuntime],
    };
  }
}
