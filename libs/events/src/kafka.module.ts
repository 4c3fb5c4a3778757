import { Global, Inject, Injectable, Logger, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type DependencyCheck, DependencyRegistry, SERVICE_INFO, type ServiceInfo } from '@ecotrack/core';
import { Kafka, logLevel, type Admin, type LogEntry, type Producer } from 'kafkajs';
import './kafkajs/request-queue-fix'; // before any broker connection: kafkajs would spin while idle

export const KAFKA = Symbol('KAFKA');
/** What this module reads of the service's configuration (APP_CONFIG; validated by the platform's schema). */
interface BrokerConfig {
  KAFKA_BROKERS: string[];
}
export const KAFKA_PRODUCER = Symbol('KAFKA_PRODUCER');

const LEVELS: Record<number, 'error' | 'warn' | 'log' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'log',
  [logLevel.DEBUG]: 'debug',
};

/** kafkajs logs through the service's logger instead of its own console format. */
function nestLogCreator() {
  const logger = new Logger('Kafka');
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...extra } = log;
      logger[LEVELS[level] ?? 'log']({ ...extra }, message);
    };
}

/** Owns the broker connections: connects on first check, disconnects last on shutdown. */
@Injectable()
class KafkaConnection implements DependencyCheck, OnModuleInit, OnApplicationShutdown {
  readonly name = 'kafka';
  /** Writes go to the outbox and consumers reconnect on their own: a broker outage delays messages, it does not stop the service. */
  readonly critical = false;
  private readonly admin: Admin;
  private adminConnected = false;
  private producerConnected = false;

  constructor(
    @Inject(KAFKA) kafka: Kafka,
    @Inject(KAFKA_PRODUCER) private readonly producer: Producer,
    private readonly registry: DependencyRegistry,
  ) {
    this.admin = kafka.admin();
  }

  onModuleInit(): void {
    this.registry.register(this);
  }

  async check(): Promise<void> {
    if (!this.adminConnected) {
      await this.admin.connect();
      this.adminConnected = true;
    }
    await this.admin.describeCluster();
    if (!this.producerConnected) {
      await this.producer.connect();
      this.producerConnected = true;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()]);
  }
}

@Global()
@Module({
  providers: [
    {
      provide: KAFKA,
      inject: [APP_CONFIG, SERVICE_INFO],
      useFactory: (config: BrokerConfig, service: ServiceInfo) =>
        new Kafka({
          clientId: service.name,
          brokers: config.KAFKA_BROKERS,
          connectionTimeout: 3_000,
          // Start-up waiting is the platform's job; keep each attempt short.
          retry: { retries: 2, initialRetryTime: 200 },
          logLevel: logLevel.WARN,
          logCreator: nestLogCreator,
        }),
    },
    {
      provide: KAFKA_PRODUCER,
      inject: [KAFKA],
      // Idempotent: a retried send never duplicates a record in the partition.
      useFactory: (kafka: Kafka) => kafka.producer({ idempotent: true, maxInFlightRequests: 1 }),
    },
    KafkaConnection,
  ],
  exports: [KAFKA, KAFKA_PRODUCER],
})
export class KafkaModule {}
