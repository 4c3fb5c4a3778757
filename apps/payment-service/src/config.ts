import { eventsConfig } from '@ecotrack/events';
import { fieldEncryptionConfig } from '@ecotrack/field-encryption';
import { flag, jwtVerificationConfig, type ConfigOf } from '@ecotrack/platform';
import { z } from 'zod';

const optionalUrl = z.string().url().optional();
const optionalSecret = z.string().min(1).optional();

/** Where PayPal serves its webhook signing certificates (live and sandbox, both API host names). */
export const DEFAULT_PAYPAL_WEBHOOK_CERT_HOSTS = 'api.paypal.com,api.sandbox.paypal.com,api-m.paypal.com,api-m.sandbox.paypal.com';

/** Comma-separated host or host:port names, lower-cased; at least one. */
const hostList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((host) => host.trim().toLowerCase())
      .filter(Boolean),
  )
  .refine((hosts) => hosts.length > 0 && hosts.every((host) => /^[a-z0-9.-]+(:\d{1,5})?$/.test(host)), {
    message: 'expected a comma-separated list of host or host:port names',
  });

/**
 * payment-service's own variables. No provider variable has a default: a provider
 * whose credentials are absent is unavailable (503 when asked for), and the service still starts.
 * The same holds for webhooks: without its secret (Stripe) or webhook id (PayPal) a webhook endpoint answers 503.
 */
export const paymentConfig = {
  ...jwtVerificationConfig,
  STRIPE_API_BASE: optionalUrl,
  STRIPE_SECRET_KEY: optionalSecret,
  PAYPAL_API_BASE: optionalUrl,
  PAYPAL_CLIENT_ID: optionalSecret,
  PAYPAL_CLIENT_SECRET: optionalSecret,
  /**
   * How long one call to a provider may take before it counts as unreachable (the Stripe SDK then
   * retries once with the same idempotency key). An authorization that times out is reported to the
   * saga as failed ('payment provider unavailable'), so keep it well below SAGA_STEP_TIMEOUT_MS.
   */
  PAYMENT_GATEWAY_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** The endpoint's signing secret (whsec_...) from the Stripe dashboard. */
  STRIPE_WEBHOOK_SECRET: optionalSecret,
  /** The id PayPal gave the webhook subscription; it is part of every signed string. */
  PAYPAL_WEBHOOK_ID: optionalSecret,
  /** How old (Stripe) or how far off our clock (PayPal) a signed delivery may be. Never 0: 0 would disable the check. */
  WEBHOOK_TOLERANCE_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
  /** Hosts that PayPal signing certificates may be fetched from (paypal-cert-url); anything else is refused unfetched. */
  PAYPAL_WEBHOOK_CERT_HOSTS: hostList.default(DEFAULT_PAYPAL_WEBHOOK_CERT_HOSTS),
  /** Tests only: let paypal-cert-url be http. Off by default, and it should stay off anywhere real. */
  PAYPAL_WEBHOOK_CERT_ALLOW_HTTP: flag(false),
  /** Outbox relay, consumer retries, topic settings (libs/events). */
  ...eventsConfig,
  /** The field-key job: rewrap after a transit key rotation (libs/field-encryption). */
  ...fieldEncryptionConfig,
};

export type PaymentConfig = ConfigOf<typeof paymentConfig>;
