import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';

/**
 * Trace context across Kafka (W3C traceparent/tracestate in the headers). The
 * outbox captures the writer's context when the row is written (the request's
 * trace), the relay publishes inside that context, and the consumer's span is a
 * child of it: one order, one trace, even hours and two services later.
 */
const tracer = trace.getTracer('@ecotrack/events');

/** The active trace context as headers ({} when no span is active or no propagator is registered). */
export function captureTraceContext(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** The context a message's headers carry (ROOT when they carry none). */
export function contextFromHeaders(headers: Record<string, string>): Context {
  return propagation.extract(ROOT_CONTEXT, headers);
}

/** Semantic-convention attribute names (messaging, incubating in @opentelemetry/semantic-conventions, so copied here). */
export const MessagingAttribute = {
  system: 'messaging.system',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  destination: 'messaging.destination.name',
  partition: 'messaging.destination.partition.id',
  consumerGroup: 'messaging.consumer.group.name',
  messageId: 'messaging.message.id',
  conversationId: 'messaging.message.conversation_id',
  kafkaKey: 'messaging.kafka.message.key',
  kafkaOffset: 'messaging.kafka.offset',
  messageType: 'ecotrack.message.type',
  messageVersion: 'ecotrack.message.version',
  result: 'ecotrack.message.result',
} as const;

/**
 * The parent of a consumer span: the message's context, unless an active span
 * already continues that same trace (OpenTelemetry's kafkajs instrumentation
 * wraps eachMessage in its own "process" span when the service preloads it);
 * then nest under it instead of beside it.
 */
function consumerParent(headers: Record<string, string>): Context {
  const fromMessage = contextFromHeaders(headers);
  const messageTrace = trace.getSpanContext(fromMessage)?.traceId;
  const active = context.active();
  const activeTrace = trace.getSpanContext(active)?.traceId;
  if (messageTrace) return activeTrace === messageTrace ? active : fromMessage;
  return active;
}

/** Runs `work` in a CONSUMER span for one message; the span records failure and always ends. */
export async function inConsumerSpan<T>(
  topic: string,
  headers: Record<string, string>,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = consumerParent(headers);
  const span = tracer.startSpan(
    `process ${topic}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        [MessagingAttribute.system]: 'kafka',
        [MessagingAttribute.operationType]: 'process',
        [MessagingAttribute.operationName]: 'process',
        [MessagingAttribute.destination]: topic,
        ...attributes,
      },
    },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    span.end();
  }
}
