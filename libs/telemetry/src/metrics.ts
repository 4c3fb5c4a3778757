import { Controller, Get, Header, Inject, Module, type DynamicModule } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { context } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

/** Seconds buckets for HTTP latency: 5 ms to 10 s. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** One registry per service process, with Node's default process metrics. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** The parts of a Fastify instance the HTTP metrics need (keeps fastify a type-only concern). */
interface HookableServer {
  addHook(name: 'onRequest', hook: (request: { routeOptions?: { url?: string } }, reply: unknown, done: () => void) => void): unknown;
  addHook(
    name: 'onResponse',
    hook: (
      request: { method: string; routeOptions?: { url?: string } },
      reply: { statusCode: number; elapsedTime: number },
    ) => Promise<void>,
  ): unknown;
}

/**
 * RED metrics for every HTTP request, labelled by route TEMPLATE (never the raw URL,
 * which would explode cardinality), method and status code; and the same template on the
 * request's trace span (`GET /v1/products/:id`, attribute http.route), which the HTTP
 * instrumentation applies when the span ends. That is all NestJS's instrumentation gave,
 * at the price of two more spans per request (see tracing.ts).
 */
export function instrumentHttpServer(server: HookableServer, registry: Registry): void {
  server.addHook('onRequest', (request, _reply, done) => {
    const metadata = getRPCMetadata(context.active());
    if (metadata?.type === RPCType.HTTP) metadata.route = request.routeOptions?.url;
    done();
  });
  const duration = new Histogram({
    name: 'http_server_request_duration_seconds',
    help: 'Duration of HTTP requests handled by this service, by route template',
    labelNames: ['method', 'route', 'status_code'],
    buckets: HTTP_BUCKETS,
    registers: [registry],
  });
  server.addHook('onResponse', async (request, reply) => {
    duration.observe(
      { method: request.method, route: request.routeOptions?.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
}

@ApiExcludeController()
@Controller()
class MetricsController {
  constructor(@Inject(METRICS_REGISTRY) private readonly registry: Registry) {}

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.registry.metrics();
  }
}

@Module({})
export class MetricsModule {
  static forRoot(registry: Registry): DynamicModule {
    return {
      module: MetricsModule,
      global: true,
      controllers: [MetricsController],
      providers: [{ provide: METRICS_REGISTRY, useValue: registry }],
      exports: [METRICS_REGISTRY],
    };
  }
}

/**
 * The current value of the series `name` with these labels (summed when several match), read from
 * the registry without a scrape: 0 when nothing was recorded. A histogram's series are read by
 * their `_count`, `_sum` or `_bucket` name. For tests and checks that a fact was counted.
 */
export async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name.replace(/_(count|sum|bucket)$/, ''));
  if (!metric) throw new Error(`metricValue: no metric ${name} in the registry`);
  const { name: metricName, values } = await metric.get();
  return values
    .filter((sample) => ((sample as { metricName?: string }).metricName ?? metricName) === name)
    .filter((sample) => Object.entries(labels).every(([key, wanted]) => sample.labels[key] === wanted))
    .reduce((sum, sample) => sum + sample.value, 0);
}
