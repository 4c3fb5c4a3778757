import type { IHeaders } from 'kafkajs';

/** Kafka header names, in one place (consumers and tools read them without parsing the value). */
export const Header = {
  messageId: 'message-id',
  messageType: 'message-type',
  messageVersion: 'message-version',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  // Added when a message goes to a dead-letter topic:
  error: 'error',
  originalTopic: 'original-topic',
  originalPartition: 'original-partition',
  originalOffset: 'original-offset',
  consumerGroup: 'consumer-group',
  attempts: 'attempts',
  failedAt: 'failed-at',
} as const;

/**
 * The headers of an outgoing message: its identity (so it can be routed or
 * inspected without parsing the value) plus the trace context captured when
 * it was written (traceparent/tracestate, W3C).
 */
export function messageHeaders(envelope: { id: string; type: string; version: number }, traceContext: Record<string, string> = {}): Record<string, string> {
  return {
    ...traceContext,
    [Header.messageId]: envelope.id,
    [Header.messageType]: envelope.type,
    [Header.messageVersion]: String(envelope.version),
  };
}

/** kafkajs gives header values as Buffers (or arrays of them when repeated); the first value wins. */
export function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) decoded[name] = first.toString();
  }
  return decoded;
}
