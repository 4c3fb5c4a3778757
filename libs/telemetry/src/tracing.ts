/**
 * OpenTelemetry preload. Import this module FIRST in a service's entry point
 * (before NestJS, pg, ioredis or kafkajs are required), because
 * auto-instrumentation works by patching modules as they are loaded.
 *
 * It deliberately imports nothing else of ours.
 */
import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

let sdk: NodeSDK | undefined;

/** Paths whose spans are pure noise (probes and scrapes every few seconds). */
const UNTRACED_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);

export function startTracing(serviceName: string, serviceVersion = process.env.SERVICE_VERSION ?? '0.0.0'): void {
  if (sdk || process.env.OTEL_SDK_DISABLED === 'true') return;
  // Metrics go through prom-client (/metrics) and logs through stdout, so the SDK
  // must not start its own OTLP metric and log pipelines unless asked to.
  process.env.OTEL_METRICS_EXPORTER ??= 'none';
  process.env.OTEL_LOGS_EXPORTER ??= 'none';

  sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: process.env.OTEL_SERVICE_NAME ?? serviceName,
      [ATTR_SERVICE_VERSION]: serviceVersion,
    }),
    // Endpoint from OTEL_EXPORTER_OTLP_ENDPOINT (standard variable), default localhost:4318.
    traceExporter: new OTLPTraceExporter(),
    instrumentations: [
      getNodeAutoInstrumentations({
        // File system, DNS and raw sockets produce thousands of spans that explain nothing.
        '@opentelemetry/instrumentation-fs': { enabled: false },
        '@opentelemetry/instrumentation-dns': { enabled: false },
        '@opentelemetry/instrumentation-net': { enabled: false },
        // Log lines carry trace_id/span_id (correlation); they are shipped as stdout JSON,
        // not through the OTel logs pipeline.
        '@opentelemetry/instrumentation-pino': { disableLogSending: true },
        '@opentelemetry/instrumentation-http': {
          ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.has((req.url ?? '').split('?')[0]),
        },
      }),
    ],
  });
  sdk.start();
}

/** Flushes pending spans; called by the platform's graceful shutdown as its last step. */
export async function shutdownTracing(): Promise<void> {
  const running = sdk;
  sdk = undefined;
  await running?.shutdown().catch(() => undefined);
}
