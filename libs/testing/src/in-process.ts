import { DependencyRegistry, Lifecycle } from '@ecotrack/core';
import {
  createService,
  DatabaseModule,
  loadConfig,
  loadServiceConfig,
  type ConfigExtension,
  type CreateServiceOptions,
  type DatabaseSettings,
  type PlatformConfig,
  type ServiceDefinition,
} from '@ecotrack/platform';
import { Module, type Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { serviceEnv, type InfraEnv } from './infrastructure';
import { waitUntil } from './wait';

/** Consumers join their groups after the service is ready; a join can wait out a rebalance. */
const READY_TIMEOUT_MS = 90_000;

/**
 * Builds a service in the test process against the real infrastructure, the
 * same way bootstrap does, minus the listening socket: use `app.inject()`.
 * Returns once readiness answers 200 (its consumers joined their groups), as a
 * deployment waits for readiness before it sends traffic.
 */
export async function startInProcess(
  definition: ServiceDefinition,
  infra: InfraEnv,
  overrides: Record<string, string> = {},
): Promise<NestFastifyApplication> {
  const env = {
    LOG_LEVEL: 'warn',
    ...serviceEnv(infra, definition.name),
    // Every app under test counts requests apart: all tests come from 127.0.0.1 and
    // would otherwise share (and exhaust) one per-IP budget across suites.
    RATE_LIMIT_KEY_PREFIX: `ratelimit-test-${randomUUID()}`,
    ...overrides,
  };
  const quiet = { info: () => undefined, warn: () => undefined, error: (m: string) => console.error(m) };
  const { config, secrets } = await loadServiceConfig(definition, env, quiet, { attempts: 3, maxDelayMs: 1_000 });
  const app = await startReady(definition, config, { secrets, env });
  await waitUntilReady(app, definition.name);
  return app;
}

export interface TestServiceOptions {
  name: string;
  /** The lib's feature modules and test providers, as a service's AppModule would import them. */
  module: Type<unknown>;
  /** Mapped by the platform's DatabaseModule, as a service's entities.ts lists them. */
  entities: DatabaseSettings['entities'];
  /** The lib's own configuration variables, validated with the platform's. */
  config: ConfigExtension;
  env: NodeJS.ProcessEnv;
}

/**
 * A service made for a lib's integration test: the lib's module beside the platform's database
 * module, built by the shared bootstrap (createService), its dependencies waited for and marked
 * ready, as bootstrap does (readiness is the test's to wait for: it may expect it down).
 */
export async function startTestService(options: TestServiceOptions): Promise<NestFastifyApplication> {
  @Module({ imports: [DatabaseModule.forRoot({ entities: options.entities }), options.module] })
  class TestServiceModule {}
  const definition = { name: options.name, version: '0.0.0', port: 0, description: `${options.name} (test)`, module: TestServiceModule };
  return startReady(definition, loadConfig(options.config, options.env), { env: options.env });
}

/** What bootstrap does after building the app, minus the listening socket: init, wait for dependencies, ready. */
async function startReady(definition: ServiceDefinition, config: PlatformConfig, options: CreateServiceOptions): Promise<NestFastifyApplication> {
  const app = await createService(definition, config, options);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  await app.get(DependencyRegistry).waitForAll({ attempts: 10, maxDelayMs: 1_000 });
  app.get(Lifecycle).markReady();
  return app;
}

async function waitUntilReady(app: NestFastifyApplication, name: string): Promise<void> {
  try {
    await waitUntil(
      `${name} to be ready`,
      async () => {
        const ready = await app.inject({ method: 'GET', url: '/health/ready' });
        return { status: ready.statusCode, body: ready.body };
      },
      (ready) => ready.status === 200,
      { timeoutMs: READY_TIMEOUT_MS, intervalMs: 200 },
    );
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
}
