import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
// The request-scoped store nestjs-pino's PinoLogger.assign uses (not exported at the top level).
import { storage as requestLogs } from 'nestjs-pino/storage';
import pino, { type DestinationStream, type Logger, type LoggerOptions, type SerializerFn } from 'pino';
import { serializeError } from './error-serializer';

const CENSOR = '[Redacted]';

/** Top-level fields of a log line that are never written: credentials and personal data. */
const REDACTED_FIELDS = new Set(['password', 'token', 'secret', 'email', 'phone']);

/** The same one level down, under any top-level field (`{ body: { email } }`, `{ user: { displayName } }`). */
const REDACTED_NESTED_FIELDS = [
  'password',
  'newPassword',
  'token',
  'accessToken',
  'refreshToken',
  'secret',
  'apiKey',
  'cardNumber',
  'cvc',
  'email',
  'displayName',
  'phone',
  'address',
];

/** Headers that carry credentials, under `req.headers` and `res.headers`. */
const REDACTED_HEADERS: Readonly<Record<string, readonly string[]>> = {
  req: ['authorization', 'cookie', 'x-api-key', 'x-service-credential', 'idempotency-key'],
  res: ['set-cookie'],
};

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);
const has = (object: object, key: string) => Object.prototype.hasOwnProperty.call(object, key);

/** `object` with `keys` censored: the object itself when it has none of them (nothing is copied). */
function censored(object: Fields, keys: readonly string[]): Fields {
  let copy: Fields | undefined;
  for (const key of keys) {
    if (has(object, key)) (copy ??= { ...object })[key] = CENSOR;
  }
  return copy ?? object;
}

/** The value of top-level field `key` with its sensitive fields (and, for req/res, headers) censored. */
function redactedValue(key: string, value: unknown): unknown {
  if (!isObject(value)) return value;
  const headerNames = REDACTED_HEADERS[key];
  let result = censored(value, REDACTED_NESTED_FIELDS);
  if (headerNames && isObject(value.headers)) {
    const headers = censored(value.headers, headerNames);
    if (headers !== value.headers) result = { ...result, headers };
  }
  return result;
}

/**
 * The fields of a log line (or of a logger's bindings) with every credential and personal field
 * censored, except `skip` (fields whose serializer redacts its own output). Returns `fields`
 * itself when nothing is sensitive: the usual request line costs a few property lookups, where
 * pino's path-based `redact` with wildcards cloned every object-valued field of every line.
 */
export function redactFields(fields: Fields, skip: ReadonlySet<string> = new Set()): Fields {
  let copy: Fields | undefined;
  for (const key in fields) {
    if (!has(fields, key) || skip.has(key)) continue;
    const value = fields[key];
    const redacted = REDACTED_FIELDS.has(key) ? CENSOR : redactedValue(key, value);
    if (redacted !== value) (copy ??= { ...fields })[key] = redacted;
  }
  return copy ?? fields;
}

type Serializers = Record<string, SerializerFn>;

/**
 * pino options that censor credentials and personal data: serialized fields after their
 * serializer ran (pino calls serializers after `formatters.log`), all others in the formatters.
 * pino applies `formatters.bindings` to the root logger's bindings only: see `serviceLogger`
 * for child loggers.
 */
function redacting(serializers: Serializers): Pick<LoggerOptions, 'serializers' | 'formatters'> {
  const serialized = new Set(Object.keys(serializers));
  const wrapped = Object.fromEntries(
    Object.entries(serializers).map(([key, serialize]) => [key, (value: unknown) => redactedValue(key, serialize(value))]),
  );
  return {
    serializers: wrapped,
    formatters: {
      level: (label) => ({ level: label }),
      log: (fields) => redactFields(fields, serialized),
      bindings: (bindings) => redactFields(bindings, serialized),
    },
  };
}

/**
 * Base pino options. trace_id and span_id are added to every line logged inside a
 * span by OpenTelemetry's pino instrumentation (tracing.ts), which patches pino at load;
 * user_id by bindRequestLogFields once a request is authenticated.
 */
export function pinoOptions(service: string, level: string, serializers: Serializers = {}): LoggerOptions {
  return {
    level,
    base: { service },
    messageKey: 'msg',
    timestamp: pino.stdTimeFunctions.isoTime,
    ...redacting({ err: serializeError, ...serializers }),
  };
}

/**
 * A logger with `options` (from pinoOptions) whose child loggers' bindings are censored too
 * (pino-http binds each request's logger to `req`; a `child({ user })` must not leak either).
 */
export function serviceLogger(options: LoggerOptions, destination: DestinationStream): Logger {
  const logger = pino(options, destination);
  const serialized = new Set(Object.keys(options.serializers ?? {}));
  const child = logger.child;
  // Children are created from their parent's prototype, so theirs go through this one as well.
  logger.child = function (this: Logger, bindings, childOptions) {
    return child.call(this, redactFields(bindings, serialized), childOptions);
  } as Logger['child'];
  return logger;
}

/**
 * Where service logs go: stdout, written asynchronously (a request never waits for the write;
 * lines logged while one write is in flight go out together in the next). pino flushes it
 * synchronously when the process exits, so the platform's shutdown (which ends in
 * process.exit) and a crash lose no line; only SIGKILL can.
 */
export function logDestination(fd = 1): DestinationStream {
  return pino.destination({ dest: fd, sync: false });
}

/** Probes and scrapes arrive every few seconds; a log line each would drown the rest. */
const QUIET_ROUTES = ['health/live', 'health/ready', 'metrics'].map((path) => ({ path, method: RequestMethod.GET }));

/**
 * Adds `fields` to every later line of the current request, its "request completed" line
 * included (nestjs-pino's PinoLogger.assign, without its throw outside a request: there it does
 * nothing). One child logger per call, made once per request: no cost on lines outside requests.
 */
export function bindRequestLogFields(fields: Record<string, string>): void {
  const store = requestLogs.getStore();
  if (!store) return;
  store.logger = store.logger.child(fields);
  store.responseLogger?.setBindings(fields);
}

/** nestjs-pino options: JSON logs, one line per request, probes and scrapes kept quiet. */
export function loggerModuleParams(service: string, level: string, destination: DestinationStream = logDestination()): Params {
  const options = pinoOptions(service, level, {
    req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
    res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
  });
  return {
    exclude: QUIET_ROUTES,
    // The request's closing line gets what bindRequestLogFields adds (the user id).
    assignResponse: true,
    pinoHttp: {
      logger: serviceLogger(options, destination),
      // pino-http puts its own serializers on the request loggers unless given ours.
      serializers: options.serializers,
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    },
  };
}
