import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import type { LoggerOptions } from 'pino';
import { serializeError } from './error-serializer';

/**
 * Fields that must never reach a log line: credentials, tokens and personal data.
 * pino replaces their values with "[Redacted]".
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["x-service-credential"]',
  'req.headers["idempotency-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.newPassword',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.secret',
  '*.apiKey',
  '*.cardNumber',
  '*.cvc',
  '*.email',
  '*.displayName',
  '*.phone',
  '*.address',
  'password',
  'token',
  'secret',
  'email',
  'phone',
];

/**
 * Base pino options. trace_id and span_id are added to every line logged inside a
 * span by OpenTelemetry's pino instrumentation (tracing.ts), which patches pino at load.
 */
export function pinoOptions(service: string, level: string): LoggerOptions {
  return {
    level,
    base: { service },
    messageKey: 'msg',
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: '[Redacted]' },
    serializers: { err: serializeError },
  };
}

/** Probes and scrapes arrive every few seconds; a log line each would drown the rest. */
const QUIET_ROUTES = ['health/live', 'health/ready', 'metrics'].map((path) => ({ path, method: RequestMethod.GET }));

/** nestjs-pino options: JSON logs, one line per request, probes and scrapes kept quiet. */
export function loggerModuleParams(service: string, level: string): Params {
  const base = pinoOptions(service, level);
  return {
    exclude: QUIET_ROUTES,
    pinoHttp: {
      ...base,
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
      serializers: {
        ...base.serializers,
        req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    },
  };
}
