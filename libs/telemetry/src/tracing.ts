/**
 * OpenTelemetry preload. Import this module FIRST in a service's entry point
 * (before NestJS, pg, ioredis or kafkajs are required), because
 * instrumentation works by patching modules as they are loaded.
 *
 * It deliberately imports nothing else of ours.
 *
 * A tracer provider with the instrumentations we use, not NodeSDK with every auto-instrumentation:
 * NodeSDK loads OTLP exporters for metrics and logs over three protocols, and the auto-instrumentation
 * bundle about forty packages: loading sdk-node took 1.7 s and 55 MiB here, the bundle 0.5 s and 26 MiB more.
 */
import { registerInstrumentations, type Instrumentation } from '@opentelemetry/instrumentation';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  NodeTracerProvider,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
} from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { LoggerProvider } from '@opentelemetry/sdk-logs';
import { logExporterFromEnv, startLogExport, type LogExporter } from './log-export';

let provider: NodeTracerProvider | undefined;
let logProvider: LoggerProvider | undefined;

/** Paths whose spans are pure noise (probes and scrapes every few seconds). */
const UNTRACED_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);

/** The share of new traces kept in production when OTEL_TRACES_SAMPLER_ARG does not say. */
export const PRODUCTION_SAMPLE_RATIO = 0.1;

const SAMPLERS: Record<string, (ratio: number) => Sampler> = {
  always_on: () => new AlwaysOnSampler(),
  always_off: () => new AlwaysOffSampler(),
  traceidratio: (ratio) => new TraceIdRatioBasedSampler(ratio),
  parentbased_always_on: () => new ParentBasedSampler({ root: new AlwaysOnSampler() }),
  parentbased_always_off: () => new ParentBasedSampler({ root: new AlwaysOffSampler() }),
  parentbased_traceidratio: (ratio) => new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }),
};

/**
 * The sampler named by the standard variables OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG.
 * Defaults: in production (NODE_ENV unset means production, as in the config schema) a trace that
 * arrives sampled stays sampled and PRODUCTION_SAMPLE_RATIO of new ones are kept; elsewhere every
 * trace. A wrong value stops the start-up with the variable's name (it runs before the config).
 */
export function samplerFromEnv(env: NodeJS.ProcessEnv = process.env): Sampler {
  const production = (env.NODE_ENV ?? 'production') === 'production';
  const name = env.OTEL_TRACES_SAMPLER || (production ? 'parentbased_traceidratio' : 'parentbased_always_on');
  const make = SAMPLERS[name];
  if (!make) throw new Error(`OTEL_TRACES_SAMPLER: expected one of ${Object.keys(SAMPLERS).join(', ')}`);
  const arg = env.OTEL_TRACES_SAMPLER_ARG;
  const ratio = arg === undefined || arg === '' ? (production ? PRODUCTION_SAMPLE_RATIO : 1) : Number(arg);
  if (!(ratio >= 0 && ratio <= 1)) throw new Error('OTEL_TRACES_SAMPLER_ARG: expected a number from 0 to 1');
  return make(ratio);
}

/**
 * What we trace, and only that. Spans need a parent where the work can happen outside any
 * request or message (the outbox relay's idle polls, pool checks, lease renewals and JWKS
 * refreshes): an idle service writes no spans.
 */
function instrumentations(logExporter: LogExporter): Instrumentation[] {
  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.has((req.url ?? '').split('?')[0]),
      requireParentforOutgoingSpans: true,
    }),
    // fetch (order-service's calls to product-service, the vendors' APIs).
    new UndiciInstrumentation({ requireParentforSpans: true }),
    new PgInstrumentation({ requireParentSpan: true }),
    new IORedisInstrumentation({ requireParentSpan: true }),
    new KafkaJsInstrumentation(),
    // Log lines carry trace_id/span_id (correlation) on stdout; with OTEL_LOGS_EXPORTER=otlp each
    // line is also sent as an OTLP log record (log-export.ts), and with `none` nothing is sent.
    new PinoInstrumentation({ disableLogSending: logExporter === 'none' }),
  ];
}

export function startTracing(serviceName: string, serviceVersion = process.env.SERVICE_VERSION ?? '0.0.0'): void {
  if (provider || process.env.OTEL_SDK_DISABLED === 'true') return;
  // OTEL_RESOURCE_ATTRIBUTES (standard) adds to these; OTEL_SERVICE_NAME renames the service.
  const resource = detectResources({ detectors: [envDetector] }).merge(
    resourceFromAttributes({
      [ATTR_SERVICE_NAME]: process.env.OTEL_SERVICE_NAME ?? serviceName,
      [ATTR_SERVICE_VERSION]: serviceVersion,
    }),
  );
  const logExporter = logExporterFromEnv();
  provider = new NodeTracerProvider({
    resource,
    sampler: samplerFromEnv(),
    // Export is batched off the request path: a span ending only joins a queue. Queue and batch
    // sizes and the delay come from the standard OTEL_BSP_* variables (defaults 2048, 512, 5 s);
    // past a full queue spans are dropped, never waited for.
    // Endpoint from OTEL_EXPORTER_OTLP_ENDPOINT (standard variable), default localhost:4318.
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  // Global tracer provider, W3C trace-context and baggage propagation, AsyncLocalStorage context.
  provider.register();
  // Before the instrumentations: the pino instrumentation finds the global logger provider.
  if (logExporter === 'otlp') logProvider = startLogExport(resource);
  registerInstrumentations({ tracerProvider: provider, instrumentations: instrumentations(logExporter) });
}

/** Flushes pending spans and log records; called by the platform's graceful shutdown as its last step. */
export async function shutdownTracing(): Promise<void> {
  const running = [provider, logProvider];
  provider = logProvider = undefined;
  await Promise.all(running.map((each) => each?.shutdown().catch(() => undefined)));
}
