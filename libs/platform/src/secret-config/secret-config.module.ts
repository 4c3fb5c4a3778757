import { Global, Inject, Injectable, Logger, Module, type DynamicModule, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { METRICS_REGISTRY } from '@ecotrack/telemetry';
import type { Registry } from 'prom-client';
import { loadConfig, type PlatformConfig } from '../config/config';
import { APP_CONFIG, type DependencyCheck, DependencyRegistry, SECRET_SOURCE, type SecretSource } from '@ecotrack/core';
import type { ServiceDefinition } from '../service';
import { configExtension } from './load-service-config';

const RELOAD_INPUTS = Symbol('RELOAD_INPUTS');

interface ReloadInputs {
  definition: ServiceDefinition;
  /** The environment the service started with: it keeps winning over the store's values. */
  env: NodeJS.ProcessEnv;
}

/** Readiness follows the secrets store: without a live session, leases can be neither renewed nor rotated. */
@Injectable()
class SecretStoreSession implements DependencyCheck, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Secrets');

  constructor(
    @Inject(SECRET_SOURCE) private readonly source: SecretSource | null,
    @Inject(APP_CONFIG) private readonly config: PlatformConfig,
    @Inject(RELOAD_INPUTS) private readonly inputs: ReloadInputs,
    @Inject(METRICS_REGISTRY) private readonly metrics: Registry,
    private readonly registry: DependencyRegistry,
  ) {}

  onModuleInit(): void {
    if (!this.source) return;
    this.registry.register(this);
    this.source.registerMetrics(this.metrics);
    this.source.onValuesChanged((values) => this.reload(values));
  }

  /** The store's own name in the readiness body (registered only when there is a store). */
  get name(): string {
    return this.source?.name ?? 'secrets';
  }

  check(): Promise<void> {
    return this.source ? this.source.check() : Promise.resolve();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.source?.close();
  }

  /**
   * Live reload: the configuration object is validated anew and updated in
   * place, so everything reading it sees the new values. An invalid new
   * version is refused and the running one kept.
   */
  private reload(values: Readonly<Record<string, string>>): void {
    try {
      const merged = { ...values, ...this.inputs.env };
      Object.assign(this.config, loadConfig(configExtension(this.inputs.definition, merged), merged));
      this.logger.log('configuration reloaded from the secrets store');
    } catch (error) {
      this.logger.error(`new secrets refused, keeping the running configuration: ${(error as Error).message}`);
    }
  }
}

/**
 * The service's secret-driven configuration: provides SECRET_SOURCE (core's port; null when secrets
 * come from the environment), puts the store in readiness and applies its new values live.
 */
@Global()
@Module({})
export class SecretConfigModule {
  static forRoot(source: SecretSource | undefined, inputs: ReloadInputs): DynamicModule {
    return {
      module: SecretConfigModule,
      providers: [{ provide: SECRET_SOURCE, useValue: source ?? null }, { provide: RELOAD_INPUTS, useValue: inputs }, SecretStoreSession],
      exports: [SECRET_SOURCE],
    };
  }
}
