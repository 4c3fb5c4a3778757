import { z } from 'zod';
import { internalCallsConfig } from '../internal-calls/internal-calls.config';

/** Milliseconds, as a non-negative integer read from the environment. */
const millis = (fallback: number) => z.coerce.number().int().min(0).default(fallback);

/** host:port pairs, comma separated, as kafkajs wants them. */
const brokerList = z
  .string()
  .min(1)
  .transform((value) => value.split(',').map((broker) => broker.trim()))
  .refine((brokers) => brokers.every((broker) => /^[\w.-]+:\d{1,5}$/.test(broker)), {
    message: 'expected a comma-separated list of host:port',
  });

/** A boolean variable: "true" or "false" (z.coerce.boolean would read "false" as true). */
export const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false'])
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true');

const urlWithScheme = (...schemes: string[]) =>
  z
    .string()
    .url()
    .refine((value) => schemes.some((scheme) => value.startsWith(`${scheme}://`)), {
      message: `expected a URL starting with ${schemes.map((s) => `${s}://`).join(' or ')}`,
    });

/**
 * What every service needs. Services extend it with their own variables
 * (see `ServiceDefinition.config`). Nothing secret has a default.
 */
export const platformConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('production'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(1).max(65535).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: urlWithScheme('postgres', 'postgresql'),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  /** Statements slower than this are counted (ecotrack_db_slow_queries_total) and logged at warn with their text. */
  DATABASE_SLOW_QUERY_MS: z.coerce.number().int().min(1).default(500),
  REDIS_URL: urlWithScheme('redis', 'rediss'),
  KAFKA_BROKERS: brokerList,
  HTTP_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1024 * 1024),
  /** How long to keep serving after readiness turned 503, so load balancers stop sending. */
  SHUTDOWN_DRAIN_DELAY_MS: millis(5_000),
  /** Hard limit for the whole shutdown; past it the process exits 1. */
  SHUTDOWN_GRACE_PERIOD_MS: millis(25_000),
  DEPENDENCY_WAIT_ATTEMPTS: z.coerce.number().int().min(1).default(30),
  DEPENDENCY_WAIT_MAX_DELAY_MS: millis(5_000),
  /**
   * Whether request.ip may come from X-Forwarded-For: "false" (default: the
   * TCP peer is the client), "true" (trust every proxy: only when nothing can
   * reach the pod except through the mesh/load balancer), or a number of
   * proxy hops to trust (e.g. 1 behind the Istio sidecar or an ELB). Without
   * it, every client behind a proxy shares the proxy's IP rate limit.
   */
  TRUST_PROXY: z
    .string()
    .regex(/^(true|false|\d{1,2})$/, 'expected true, false or a number of proxy hops')
    .default('false')
    .transform((value) => (value === 'true' ? true : value === 'false' ? false : Number(value))),
  /** Rate limiting (Redis-backed, shared by all instances); services without Redis are not limited. */
  RATE_LIMIT_ENABLED: flag(true),
  RATE_LIMIT_IP_PER_MINUTE: z.coerce.number().int().min(1).default(300),
  RATE_LIMIT_USER_PER_MINUTE: z.coerce.number().int().min(1).default(120),
  /** Redis key prefix of the counters; tests use their own to stay isolated. */
  RATE_LIMIT_KEY_PREFIX: z.string().regex(/^[\w.:-]{1,64}$/).default('ratelimit'),
  /** Requests per minute per calling service (see internal-calls/); 0: internal calls are not limited. */
  RATE_LIMIT_INTERNAL_PER_MINUTE: z.coerce.number().int().min(0).default(0),
  ...internalCallsConfig,
});

export type PlatformConfig = z.infer<typeof platformConfigSchema>;

/** Service-specific extension of the platform schema. */
export type ConfigExtension = z.ZodRawShape;

/** The values an extension yields once validated: a service's config type, written once as its schema. */
export type ConfigOf<T extends ConfigExtension> = z.infer<z.ZodObject<T>>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((line) => `  - ${line}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Validates the environment once, at start-up. The error names every bad or
 * missing variable and why, but never echoes a value (it may be a secret).
 */
export function loadConfig<T extends ConfigExtension>(
  extension: T,
  env: NodeJS.ProcessEnv = process.env,
): PlatformConfig & ConfigOf<T> {
  const schema = platformConfigSchema.extend(extension);
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const name = issue.path.join('.') || '(environment)';
        const reason = issue.code === 'invalid_type' && issue.received === 'undefined' ? 'is required but not set' : issue.message;
        return `${name}: ${reason}`;
      }),
    );
  }
  return result.data as PlatformConfig & ConfigOf<T>;
}
