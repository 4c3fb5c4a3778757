import { z } from 'zod';

/** order-service's own variables, validated at start-up with the platform's. */
export const orderConfig = {
  /** Base URL of product-service; prices and footprints come only from there. */
  PRODUCT_SERVICE_URL: z.string().url(),
  PRODUCT_SERVICE_TIMEOUT_MS: z.coerce.number().int().min(100).default(2_000),
};

export interface OrderConfig {
  PRODUCT_SERVICE_URL: string;
  PRODUCT_SERVICE_TIMEOUT_MS: number;
}
