import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { createMetricsRegistry, instrumentHttpServer, pinoOptions } from '@ecotrack/telemetry';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { Logger } from 'nestjs-pino';
import pino from 'pino';
import { randomUUID } from 'node:crypto';
import type { ConfigError, PlatformConfig } from './config/config';
import { sendProblem, toProblem } from './errors/problem.filter';
import { strictValidationPipe } from './errors/validation';
import { installBodyParsers } from './http/json-body';
import { buildOpenApiDocument } from './http/openapi';
import { DependencyRegistry, Lifecycle, type SecretSource, type ServiceInfo } from '@ecotrack/core';
import { installShutdownHandlers } from './lifecycle/shutdown';
import { PlatformModule } from './platform.module';
import { loadServiceConfig } from './secret-config/load-service-config';
import { SecretConfigModule } from './secret-config/secret-config.module';
import { installIpRateLimit } from './rate-limit/ip-rate-limit.hook';
import { RateLimiter } from './rate-limit/rate-limiter';
import { internalCaller } from './internal-calls/internal-caller';
import type { ServiceDefinition } from './service';

function setupOpenApi(app: INestApplication, service: ServiceInfo): void {
  // Built on the first request for it, once (Swagger keeps it): about 65 ms of start-up CPU
  // that no readiness depends on.
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app, service), { jsonDocumentUrl: 'docs/openapi.json', yamlDocumentUrl: 'docs/openapi.yaml' });
}

export interface CreateServiceOptions {
  /** The opened SecretSource (see loadServiceConfig); the service owns it from here and closes it on shutdown. */
  secrets?: SecretSource;
  /** The environment config was read from; on live reload it still wins over the store. */
  env?: NodeJS.ProcessEnv;
}

/** Builds the application without listening: used by main.ts and by tests. */
export async function createService(
  definition: ServiceDefinition,
  config: PlatformConfig,
  options: CreateServiceOptions = {},
): Promise<NestFastifyApplication> {
  const { module, config: _extension, secrets: _factory, ...service } = definition;
  const metrics = createMetricsRegistry(service.name);
  const secrets = SecretConfigModule.forRoot(options.secrets, { definition, env: options.env ?? process.env });

  @Module({ imports: [PlatformModule.forRoot(service, config, metrics), secrets, module] })
  class ServiceRootModule {}

  const adapter = new FastifyAdapter({
    bodyLimit: config.HTTP_BODY_LIMIT_BYTES,
    // request.ip (rate limits, logs) from X-Forwarded-For only behind a trusted proxy.
    trustProxy: config.TRUST_PROXY,
    genReqId: (request: { headers: Record<string, string | string[] | undefined> }) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && incoming.length <= 128 ? incoming : randomUUID();
    },
    // Errors Fastify answers before any route runs (a path that is not valid percent-encoded
    // UTF-8): problem+json like every other error, not Fastify's own JSON.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => sendProblem(reply, toProblem(error, request.url)),
  });
  // rawBody: webhook signatures (Stripe, PayPal, SendGrid) are computed over the exact bytes received.
  const app = await NestFactory.create<NestFastifyApplication>(ServiceRootModule, adapter, { bufferLogs: true, rawBody: true });
  app.useLogger(app.get(Logger));
  app.useGlobalPipes(strictValidationPipe());
  installBodyParsers(app, config.HTTP_BODY_LIMIT_BYTES);
  const fastify = app.getHttpAdapter().getInstance();
  // JSON APIs only: a text/plain body gets 415, not a string that fails validation oddly.
  fastify.removeContentTypeParser(['text/plain']);
  instrumentHttpServer(fastify, metrics);
  // The config object, not a copy: live reload of secrets updates it in place (rotated credentials).
  installIpRateLimit(fastify, app.get(RateLimiter), (headers) => internalCaller(headers, config));
  setupOpenApi(app, service);
  return app;
}

/**
 * The whole start-up of a service: validate config (stop with the variable's
 * name if wrong), build, listen (ready = 503), wait for dependencies, ready.
 */
export async function bootstrapService(definition: ServiceDefinition): Promise<void> {
  const startLogger = pino(pinoOptions(definition.name, 'info'));
  const log = { info: (m: string) => startLogger.info(m), warn: (m: string) => startLogger.warn(m), error: (m: string) => startLogger.error(m) };
  let loaded: Awaited<ReturnType<typeof loadServiceConfig>>;
  try {
    loaded = await loadServiceConfig(definition, process.env, log);
  } catch (error) {
    const problems = (error as ConfigError).problems;
    if (!problems) {
      startLogger.fatal(`could not load secrets: ${(error as Error).message}`);
      process.exit(1);
    }
    startLogger.fatal({ problems }, (error as Error).message);
    process.stderr.write(`${definition.name}: ${(error as Error).message}\n`);
    process.exit(78); // EX_CONFIG
  }
  const { config } = loaded;

  const app = await createService(definition, config, { secrets: loaded.secrets, env: loaded.env });
  const logger = app.get(Logger);
  installShutdownHandlers(app, logger, {
    drainDelayMs: config.SHUTDOWN_DRAIN_DELAY_MS,
    gracePeriodMs: config.SHUTDOWN_GRACE_PERIOD_MS,
  });
  const port = config.PORT ?? definition.port;
  await app.listen({ host: config.HOST, port });
  logger.log(`${definition.name} listening on ${config.HOST}:${port}; waiting for dependencies`);

  try {
    await app.get(DependencyRegistry).waitForAll({
      attempts: config.DEPENDENCY_WAIT_ATTEMPTS,
      maxDelayMs: config.DEPENDENCY_WAIT_MAX_DELAY_MS,
    });
  } catch (error) {
    logger.error((error as Error).message);
    await app.close().catch(() => undefined);
    process.exit(1);
  }
  app.get(Lifecycle).markReady();
  logger.log(`${definition.name} is ready`);
}
