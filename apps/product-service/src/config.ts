import { jwtVerificationConfig } from '@ecotrack/platform';
import { z } from 'zod';

/** product-service's own variables, validated at start-up with the platform's. */
export const productConfig = {
  /** Tokens are verified against user-service's JWKS (JWT_JWKS_URL, JWT_ISSUER, JWT_AUDIENCE). */
  ...jwtVerificationConfig,
  /** How long a product detail stays in Redis; writes invalidate it sooner. */
  PRODUCT_CACHE_TTL_SECONDS: z.coerce.number().int().min(1).default(300),
  /** Search results are cached shorter: stock shown in them may lag this long. */
  SEARCH_CACHE_TTL_SECONDS: z.coerce.number().int().min(1).default(60),
  /** How many popular products are loaded into the cache after start-up (0 = no warming). */
  CACHE_WARM_TOP_N: z.coerce.number().int().min(0).max(10_000).default(100),
  /** A cache call slower than this counts as an error and the read goes to PostgreSQL. */
  CACHE_TIMEOUT_MS: z.coerce.number().int().min(1).default(200),
};

/** The cache settings (the JWT variables are read by AuthModule, see app.module.ts). */
export interface ProductConfig {
  PRODUCT_CACHE_TTL_SECONDS: number;
  SEARCH_CACHE_TTL_SECONDS: number;
  CACHE_WARM_TOP_N: number;
  CACHE_TIMEOUT_MS: number;
}
