import { eventsConfig } from '@ecotrack/events';
import { jwtVerificationConfig } from '@ecotrack/platform';
import { sagaConfig } from '@ecotrack/saga';
import { z } from 'zod';

/** order-service's own variables, validated at start-up with the platform's. */
export const orderConfig = {
  /** Tokens are verified against user-service's JWKS (JWT_JWKS_URL, JWT_ISSUER, JWT_AUDIENCE). */
  ...jwtVerificationConfig,
  /** Base URL of product-service; prices and footprints come only from there. */
  PRODUCT_SERVICE_URL: z.string().url(),
  PRODUCT_SERVICE_TIMEOUT_MS: z.coerce.number().int().min(100).default(2_000),
  ...eventsConfig,
  ...sagaConfig,
  /** How long a saga step waits for its reply before resending or compensating. */
  SAGA_STEP_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
};

/** The product-service settings (the JWT variables are read by AuthModule, see app.module.ts). */
export interface OrderConfig {
  PRODUCT_SERVICE_URL: string;
  PRODUCT_SERVICE_TIMEOUT_MS: number;
  SAGA_STEP_TIMEOUT_MS: number;
}
