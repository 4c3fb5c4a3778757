import { Global, Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { loggerModuleParams, MetricsModule } from '@ecotrack/telemetry';
import { LoggerModule } from 'nestjs-pino';
import type { Registry } from 'prom-client';
import type { PlatformConfig } from './config/config';
import { APP_CONFIG, SERVICE_INFO } from './config/tokens';
import { ProblemDetailsFilter } from './errors/problem.filter';
import { HealthController } from './health/health.controller';
import { DependencyRegistry } from './lifecycle/dependencies';
import { Lifecycle } from './lifecycle/lifecycle.service';
import type { ServiceInfo } from './service';

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
      ],
      exports: [APP_CONFIG, SERVICE_INFO, Lifecycle, DependencyRegistry],
    };
  }
}
