import { setTimeout as sleep } from 'node:timers/promises';

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
  const deadline = Date.now() + timeoutMs;
  let last: JaegerTrace | undefined;
  while (Date.now() < deadline) {
    const response = await fetch(`${queryUrl}/api/traces/${traceId}`).catch(() => undefined);
    if (response?.ok) {
      const body = (await response.json()) as { data?: JaegerTrace[] };
      last = body.data?.[0];
      if (last && services.every((service) => servicesIn(last!).has(service))) return last;
    }
    await sleep(500);
  }
  throw new Error(`trace ${traceId} lacks spans from ${services.join(', ')}; had: ${last ? [...servicesIn(last)].join(', ') : 'nothing'}`);
}
