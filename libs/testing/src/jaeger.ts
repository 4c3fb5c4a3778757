import { waitUntil } from './wait';

export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  processID: string;
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

/** Services that contributed spans to a trace. */
export function servicesIn(trace: JaegerTrace): Set<string> {
  return new Set(trace.spans.map((span) => trace.processes[span.processID]?.serviceName));
}

/**
 * Reads a trace back from Jaeger's query API, polling until it holds spans from
 * every expected service (exporters batch, so spans arrive a few seconds late).
 */
export async function waitForTrace(queryUrl: string, traceId: string, services: string[], timeoutMs = 30_000): Promise<JaegerTrace> {
  const read = async (): Promise<JaegerTrace | undefined> => {
    const response = await fetch(`${queryUrl}/api/traces/${traceId}`).catch(() => undefined);
    return response?.ok ? ((await response.json()) as { data?: JaegerTrace[] }).data?.[0] : undefined;
  };
  const complete = (trace: JaegerTrace | undefined): trace is JaegerTrace => trace !== undefined && services.every((service) => servicesIn(trace).has(service));
  return waitUntil(`trace ${traceId} to hold spans from ${services.join(', ')}`, read, complete, { timeoutMs, intervalMs: 500 });
}
