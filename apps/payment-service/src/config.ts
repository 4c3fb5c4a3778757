import { jwtVerificationConfig } from '@ecotrack/platform';
import { z } from 'zod';

const optionalUrl = z.string().url().optional();
const optionalSecret = z.string().min(1).optional();

/**
 * payment-service's own variables. No provider variable has a default: a provider
 * whose credentials are absent is unavailable (503 when asked for), and the service still starts.
 */
export const paymentConfig = {
  ...jwtVerificationConfig,
  STRIPE_API_BASE: optionalUrl,
  STRIPE_SECRET_KEY: optionalSecret,
  PAYPAL_API_BASE: optionalUrl,
  PAYPAL_CLIENT_ID: optionalSecret,
  PAYPAL_CLIENT_SECRET: optionalSecret,
};

export interface PaymentConfig {
  STRIPE_API_BASE?: string;
  STRIPE_SECRET_KEY?: string;
  PAYPAL_API_BASE?: string;
  PAYPAL_CLIENT_ID?: string;
  PAYPAL_CLIENT_SECRET?: string;
}
