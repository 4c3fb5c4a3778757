import { eventsConfig } from '@ecotrack/events';
import { jwtVerificationConfig } from '@ecotrack/platform';
import { z } from 'zod';

/** product-service's own variables, validated at start-up with the platform's. */
export const productConfig = {
  /** Tokens are verified against user-service's JWKS (JWT_JWKS_URL, JWT_ISSUER, JWT_AUDIENCE). */
  ...jwtVerificationConfig,
  /** Outbox relay, consumer retries, topic creation (see libs/events/README.md). */
  ...eventsConfig,
  /** How long a product detail stays in Redis; writes invalidate it sooner. */
  PRODUCT_CACHE_TTL_SECONDS: z.coerce.number().int().min(1).default(300),
  /** Search results are cached shorter: stock shown in them may lag this long. */
  SEARCH_CACHE_TTL_SECONDS: z.coerce.number().int().min(1).default(60),
  /** How many popular products are loaded into the cache after start-up (0 = no warming). */
  CACHE_WARM_TOP_N: z.coerce.number().int().min(0).max(10_000).default(100),
  /** A cache call slower than this counts as an error and the read goes to PostgreSQL. */
  CACHE_TIMEOUT_MS: z.coerce.number().int().min(1).default(200),
  /**
   * Attempts to drop a cached product after a product.events message before it is dead-lettered.
   * With the consumer's backoff (200 ms doubling, at most CONSUMER_RETRY_MAX_DELAY_MS) the default
   * rides out a Redis outage of about four minutes, close to PRODUCT_CACHE_TTL_SECONDS.
   */
  CACHE_INVALIDATION_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(1000).default(30),
  /** The consumer group that reads product.events for cache invalidation (every instance of one deployment shares it). */
  CACHE_INVALIDATION_GROUP_ID: z
    .string()
    .regex(/^[a-zA-Z0-9._-]{1,200}$/, 'letters, digits, ".", "_" and "-" only')
    .default('product-service-cache'),
};

/** The cache settings (the JWT variables are read by AuthModule, see app.module.ts). */
export interface ProductConfig {
  PRODUCT_CACHE_TTL_SECONDS: number;
  SEARCH_CACHE_TTL_SECONDS: number;
  CACHE_WARM_TOP_N: number;
  CACHE_TIMEOUT_MS: number;
  CACHE_INVALIDATION_MAX_ATTEMPTS: number;
  CACHE_INVALIDATION_GROUP_ID: string;
}
