import { Global, Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { loggerModuleParams, METRICS_REGISTRY, MetricsModule } from '@ecotrack/telemetry';
import type Redis from 'ioredis';
import { LoggerModule } from 'nestjs-pino';
import type { Registry } from 'prom-client';
import type { PlatformConfig } from './config/config';
import { APP_CONFIG, DependencyRegistry, Lifecycle, SERVICE_INFO, type ServiceInfo } from '@ecotrack/core';
import { ProblemDetailsFilter } from './errors/problem.filter';
import { BodylessRouteInterceptor } from './http/bodyless-route.interceptor';
import { HealthController } from './health/health.controller';
import { ServiceCredential } from './internal-calls/internal-caller';
import { RateLimitInterceptor } from './rate-limit/rate-limit.interceptor';
import { RateLimiter } from './rate-limit/rate-limiter';
import { REDIS } from './redis/redis.module';

function rateLimiter(config: PlatformConfig, service: ServiceInfo, metrics: Registry, redis: Redis | undefined): RateLimiter {
  const settings = {
    enabled: config.RATE_LIMIT_ENABLED,
    service: service.name,
    keyPrefix: config.RATE_LIMIT_KEY_PREFIX,
    ipPerMinute: config.RATE_LIMIT_IP_PER_MINUTE,
    userPerMinute: config.RATE_LIMIT_USER_PER_MINUTE,
    internalPerMinute: config.RATE_LIMIT_INTERNAL_PER_MINUTE,
  };
  return new RateLimiter(settings, redis, metrics);
}

/**
 * The service defaults every app gets from bootstrap: validated config, JSON
 * logging, metrics, health, lifecycle and the problem+json error format.
 */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(service: ServiceInfo, config: PlatformConfig, metrics: Registry): DynamicModule {
    return {
      module: PlatformModule,
      imports: [LoggerModule.forRoot(loggerModuleParams(service.name, config.LOG_LEVEL)), MetricsModule.forRoot(metrics)],
      controllers: [HealthController],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: SERVICE_INFO, useValue: service },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        Lifecycle,
        DependencyRegistry,
        // Redis comes from RedisModule (global) when the service imports it; without it, no limits.
        { provide: RateLimiter, inject: [APP_CONFIG, SERVICE_INFO, METRICS_REGISTRY, { token: REDIS, optional: true }], useFactory: rateLimiter },
        { provide: APP_INTERCEPTOR, useClass: RateLimitInterceptor },
        ServiceCredential,
        { provide: APP_INTERCEPTOR, useClass: BodylessRouteInterceptor },
      ],
      exports: [APP_CONFIG, SERVICE_INFO, Lifecycle, DependencyRegistry, RateLimiter, ServiceCredential],
    };
  }
}
