import { Global, Inject, Injectable, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, type DependencyCheck, DependencyRegistry, SERVICE_INFO, type ServiceInfo } from '@ecotrack/core';
import type { PlatformConfig } from '../config/config';

export const REDIS = Symbol('REDIS');

@Injectable()
class RedisConnection implements DependencyCheck, OnModuleInit, OnApplicationShutdown {
  readonly name = 'redis';
  private lastError: Error | undefined;

  constructor(
    @Inject(REDIS) private readonly client: Redis,
    private readonly registry: DependencyRegistry,
  ) {
    // ioredis reconnects by itself; remember why it is down so checks can say so.
    client.on('error', (error: Error) => (this.lastError = error));
    client.on('ready', () => (this.lastError = undefined));
  }

  onModuleInit(): void {
    this.registry.register(this);
  }

  async check(): Promise<void> {
    if (this.client.status === 'wait') {
      // connect() rejects with a bare "Connection is closed."; the error event has the cause.
      await this.client.connect().catch((error: Error) => {
        throw this.lastError ?? error;
      });
    }
    if (this.client.status !== 'ready') throw new Error(`${this.client.status}: ${this.lastError?.message ?? 'not connected'}`);
    await this.client.ping();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.client.status === 'ready') await this.client.quit();
    else this.client.disconnect();
  }
}

@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [APP_CONFIG, SERVICE_INFO],
      useFactory: (config: PlatformConfig, service: ServiceInfo) =>
        new Redis(config.REDIS_URL, {
          connectionName: service.name,
          // Connect when start-up checks it, not when the module is built.
          lazyConnect: true,
          // Fail fast while disconnected instead of queueing requests without bound.
          enableOfflineQueue: false,
          // Commands issued in the same tick go out in one write: under load every request's
          // rate-limit script and cache read share a few syscalls instead of one each.
          enableAutoPipelining: true,
          maxRetriesPerRequest: 2,
          retryStrategy: (attempt) => Math.min(attempt * 200, 5_000),
        }),
    },
    RedisConnection,
  ],
  exports: [REDIS],
})
export class RedisModule {}
