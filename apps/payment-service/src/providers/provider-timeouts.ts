import { PAYPAL_CERT_FETCH_TIMEOUT_MS } from './paypal/paypal-signature';

/** Stripe's SDK retries a call that failed on the network once, with the same idempotency key. */
export const STRIPE_NETWORK_RETRIES = 1;
/** ... after waiting its initial retry delay (0.5 s at most, jittered), the only one with one retry. */
export const STRIPE_RETRY_DELAY_MS = 500;

/**
 * The longest one HTTP request of payment-service can wait on a provider, given
 * PAYMENT_GATEWAY_TIMEOUT_MS: Stripe's tries and the pause between them; PayPal's OAuth token,
 * then the call; a PayPal signing certificate. The mesh's per-try timeout of this service must
 * be longer (the chart test, tools/k8s/test/chart-config.int-spec.ts, holds it to that).
 */
export function longestProviderWaitMs(gatewayTimeoutMs: number): number {
  const stripe = (1 + STRIPE_NETWORK_RETRIES) * gatewayTimeoutMs + STRIPE_NETWORK_RETRIES * STRIPE_RETRY_DELAY_MS;
  const paypal = 2 * gatewayTimeoutMs;
  return Math.max(stripe, paypal, PAYPAL_CERT_FETCH_TIMEOUT_MS);
}
