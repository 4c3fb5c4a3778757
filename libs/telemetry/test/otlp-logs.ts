import { gunzipSync } from 'node:zlib';

/**
 * Just enough of the protobuf wire format to read an OTLP ExportLogsServiceRequest
 * (opentelemetry/proto/collector/logs/v1, logs/v1, common/v1): written here so the test decodes
 * what travelled, not what the exporter's own serializer would say it sent.
 */
type Field = { no: number; bytes?: Buffer; int?: bigint };

function varint(buf: Buffer, at: number): [bigint, number] {
  let value = 0n;
  for (let shift = 0n; ; shift += 7n) {
    const byte = buf[at++];
    value |= BigInt(byte & 0x7f) << shift;
    if (byte < 0x80) return [value, at];
  }
}

function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  for (let at = 0; at < buf.length; ) {
    const [key, next] = varint(buf, at);
    at = next;
    const no = Number(key >> 3n);
    switch (Number(key & 7n)) {
      case 0: {
        const [int, after] = varint(buf, at);
        out.push({ no, int });
        at = after;
        break;
      }
      case 1:
        out.push({ no, int: buf.readBigUInt64LE(at) });
        at += 8;
        break;
      case 2: {
        const [length, start] = varint(buf, at);
        at = start + Number(length);
        out.push({ no, bytes: buf.subarray(start, at) });
        break;
      }
      case 5:
        at += 4;
        break;
      default:
        throw new Error(`unsupported wire type in field ${no}`);
    }
  }
  return out;
}

const messages = (buf: Buffer, no: number) => fields(buf).filter((f) => f.no === no && f.bytes).map((f) => f.bytes!);

/** AnyValue: its string_value (1), or undefined for any other kind. */
const stringValue = (anyValue: Buffer | undefined) => (anyValue ? messages(anyValue, 1)[0]?.toString('utf8') : undefined);

/** KeyValue list → { key: string value }. */
function attributes(list: Buffer[]): Record<string, string | undefined> {
  return Object.fromEntries(list.map((kv) => [messages(kv, 1)[0]?.toString('utf8'), stringValue(messages(kv, 2)[0])]));
}

export interface ReceivedLogRecord {
  resource: Record<string, string | undefined>;
  body?: string;
  severityText?: string;
  traceId: string;
  spanId: string;
  attributes: Record<string, string | undefined>;
}

/** The log records of one POST /v1/logs body (protobuf, possibly gzip-compressed). */
export function decodeLogsRequest(body: Buffer, contentEncoding?: string): ReceivedLogRecord[] {
  const request = contentEncoding === 'gzip' ? gunzipSync(body) : body;
  return messages(request, 1).flatMap((resourceLogs) => {
    const resource = attributes(messages(messages(resourceLogs, 1)[0] ?? Buffer.alloc(0), 1));
    return messages(resourceLogs, 2).flatMap((scopeLogs) =>
      messages(scopeLogs, 2).map((record) => ({
        resource,
        severityText: messages(record, 3)[0]?.toString('utf8'),
        body: stringValue(messages(record, 5)[0]),
        attributes: attributes(messages(record, 6)),
        traceId: (messages(record, 9)[0] ?? Buffer.alloc(0)).toString('hex'),
        spanId: (messages(record, 10)[0] ?? Buffer.alloc(0)).toString('hex'),
      })),
    );
  });
}
