import type { Message, TopicMessages } from 'kafkajs';
import { Header } from '../schemas/headers';

/** An outbox row as the relay reads it. */
export interface RelayRow {
  id: string;
  topic: string;
  message_key: string;
  payload: unknown;
  headers: Record<string, string>;
}

export interface PublishGroup {
  rows: RelayRow[];
  /** The trace context the group is sent in (that of its rows). */
  traceHeaders: Record<string, string>;
  batch: TopicMessages[];
}

const traceOf = (row: RelayRow) => `${row.headers[Header.traceparent] ?? ''}|${row.headers[Header.tracestate] ?? ''}`;

/**
 * Splits a batch (in publishing order) into runs of consecutive rows that share
 * one trace context; each run is one send. Why: OpenTelemetry's kafkajs
 * instrumentation REWRITES the traceparent header of every record with a span
 * of the context active at send time; sending each run inside its rows' own
 * context keeps every message in the trace that wrote it. Untraced rows (and
 * rows one transaction wrote) form long runs, so batching mostly survives.
 * Within a run, records keep their order per topic (and so per key).
 */
export function publishGroups(rows: RelayRow[]): PublishGroup[] {
  const groups: { trace: string; rows: RelayRow[] }[] = [];
  for (const row of rows) {
    const last = groups[groups.length - 1];
    if (last && last.trace === traceOf(row)) last.rows.push(row);
    else groups.push({ trace: traceOf(row), rows: [row] });
  }
  return groups.map(({ rows: groupRows }) => {
    const byTopic = new Map<string, Message[]>();
    for (const row of groupRows) {
      const message: Message = { key: row.message_key, value: JSON.stringify(row.payload), headers: { ...row.headers } };
      byTopic.set(row.topic, [...(byTopic.get(row.topic) ?? []), message]);
    }
    const first = groupRows[0].headers;
    const traceHeaders: Record<string, string> = {};
    if (first[Header.traceparent]) traceHeaders[Header.traceparent] = first[Header.traceparent];
    if (first[Header.tracestate]) traceHeaders[Header.tracestate] = first[Header.tracestate];
    return { rows: groupRows, traceHeaders, batch: [...byTopic].map(([topic, messages]) => ({ topic, messages })) };
  });
}
