import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { decodeLogsRequest, type ReceivedLogRecord } from './otlp-logs';

/**
 * Log lines reach an OTLP endpoint: a service process (the preload, pino with the service's
 * options) logs inside a span and shuts down as the platform does; a plain HTTP server stands in
 * for the collector and decodes what arrives at /v1/logs. The switch's other side too: with
 * OTEL_LOGS_EXPORTER=none nothing arrives there although the same endpoint gets the spans.
 */
describe('OpenTelemetry log export to an OTLP endpoint', () => {
  /** Request bodies by path, with their content encoding. */
  const received: Record<string, { body: Buffer; encoding?: string }[]> = {};
  let server: Server;
  let endpoint: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        (received[req.url ?? ''] ??= []).push({ body: Buffer.concat(chunks), encoding: req.headers['content-encoding'] });
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => Object.keys(received).forEach((key) => delete received[key]));

  const root = path.join(__dirname, '../../..');
  const src = (file: string) => JSON.stringify(path.join(__dirname, '../src', file));
  /** A service's logging in a process of its own (the preload patches pino as it is loaded). */
  const script = `
    const { startTracing, shutdownTracing } = require(${src('tracing.ts')});
    startTracing('log-export-test');
    const pino = require('pino');
    const { trace } = require('@opentelemetry/api');
    const { pinoOptions } = require(${src('logging.ts')});
    const logger = pino(pinoOptions('log-export-test', 'info'), pino.destination({ dest: 1, sync: true }));
    logger.info('outside any span');
    trace.getTracer('test').startActiveSpan('work', (span) => {
      logger.warn({ user_id: 'u-42' }, 'shipped inside a span');
      span.end();
    });
    shutdownTracing().then(() => process.exit(0));`;

  async function runService(logsExporter: string): Promise<Record<string, unknown>[]> {
    const env = { ...process.env, NODE_ENV: 'test', OTEL_SDK_DISABLED: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_LOGS_EXPORTER: logsExporter };
    const { stdout } = await promisify(execFile)(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], { cwd: root, env });
    return stdout.trim().split('\n').map((line) => JSON.parse(line));
  }

  const logRecords = (): ReceivedLogRecord[] => (received['/v1/logs'] ?? []).flatMap(({ body, encoding }) => decodeLogsRequest(body, encoding));

  it('with OTEL_LOGS_EXPORTER=otlp, sends every line with its message, level, fields and the trace id stdout shows', async () => {
    const stdout = await runService('otlp');
    const inSpan = stdout.find((line) => line.msg === 'shipped inside a span')!;
    expect(inSpan).toMatchObject({ level: 'warn', user_id: 'u-42', trace_id: expect.stringMatching(/^[0-9a-f]{32}$/), span_id: expect.stringMatching(/^[0-9a-f]{16}$/) });

    const records = logRecords();
    expect(records.map((record) => record.body).sort()).toEqual(['outside any span', 'shipped inside a span']);
    const shipped = records.find((record) => record.body === 'shipped inside a span')!;
    expect(shipped).toMatchObject({ traceId: inSpan.trace_id, spanId: inSpan.span_id, severityText: 'warn', resource: { 'service.name': 'log-export-test' } });
    expect(shipped.attributes).toMatchObject({ user_id: 'u-42', service: 'log-export-test' });
    expect(records.find((record) => record.body === 'outside any span')!.traceId).toBe('');
  }, 60_000);

  it('with OTEL_LOGS_EXPORTER=none, sends no log record, while the spans still reach the same endpoint', async () => {
    const stdout = await runService('none');
    expect(stdout.map((line) => line.msg)).toEqual(['outside any span', 'shipped inside a span']);
    expect(received['/v1/traces']?.length).toBeGreaterThan(0);
    expect(received['/v1/logs']).toBeUndefined();
  }, 60_000);
});
