/**
 * OpenTelemetry log export, next to the stdout JSON lines (which stay: `kubectl logs`, a node agent
 * and the local stack read those). Part of the preload (tracing.ts): imports nothing of ours.
 */
import { logs } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import type { Resource } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';

const LOG_EXPORTERS = ['otlp', 'none'] as const;
export type LogExporter = (typeof LOG_EXPORTERS)[number];

/**
 * Whether log records also go to the OTLP endpoint, from the standard OTEL_LOGS_EXPORTER
 * (`otlp` or `none`; the list form of the spec, and `console`, are not supported: stdout already
 * has every line).
 *
 * Default `otlp` in production (NODE_ENV unset is production, as in the config schema): a platform
 * team that points OTEL_EXPORTER_OTLP_ENDPOINT at its collector for traces expects the logs there
 * too, correlated by trace id, without a second switch. Default `none` elsewhere: a developer's
 * stack may have no collector (tools/stack sends traces to Jaeger, which takes no logs), and
 * records exported to nothing would cost a batch and a failed request every few seconds. The
 * compose stack, which runs a collector with a Loki pipeline, sets `otlp`.
 * A wrong value stops the start-up with the variable's name (the preload runs before the config).
 */
export function logExporterFromEnv(env: NodeJS.ProcessEnv = process.env): LogExporter {
  const value = env.OTEL_LOGS_EXPORTER?.trim();
  if (!value) return (env.NODE_ENV ?? 'production') === 'production' ? 'otlp' : 'none';
  if (!(LOG_EXPORTERS as readonly string[]).includes(value)) throw new Error(`OTEL_LOGS_EXPORTER: expected one of ${LOG_EXPORTERS.join(', ')}`);
  return value as LogExporter;
}

/**
 * The global logger provider that the pino instrumentation sends each line to (as an OTLP log
 * record carrying the active span's trace and span ids). Batched off the request path like spans:
 * a queue of 2048, batches of 512, every second (this SDK version reads no OTEL_BLRP_* variable);
 * past a full queue records are dropped, never waited for. Endpoint from
 * OTEL_EXPORTER_OTLP_ENDPOINT (+ /v1/logs) or OTEL_EXPORTER_OTLP_LOGS_ENDPOINT.
 */
export function startLogExport(resource: Resource): LoggerProvider {
  const provider = new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter() })] });
  logs.setGlobalLoggerProvider(provider);
  return provider;
}
