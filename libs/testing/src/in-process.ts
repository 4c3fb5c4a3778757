import { createService, DependencyRegistry, Lifecycle, loadServiceConfig, type ServiceDefinition } from '@ecotrack/platform';
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
  const app = await createService(definition, config, { secrets, env });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  await app.get(DependencyRegistry).waitForAll({ attempts: 10, maxDelayMs: 1_000 });
  app.get(Lifecycle).markReady();
  await waitUntilReady(app, definition.name);
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
