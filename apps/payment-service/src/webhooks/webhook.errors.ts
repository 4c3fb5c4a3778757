import type { PaymentProvider } from '../providers/payment-gateway';

/** Why a delivery was refused. Every reason is the sender's fault or an attacker's (400); nothing is written. */
export type WebhookRejection =
  | 'missing-signature'
  | 'unsupported-algorithm'
  | 'stale-timestamp'
  | 'invalid-signature'
  | 'certificate-url-not-allowed'
  | 'certificate-invalid'
  | 'malformed-event';

/** The delivery cannot be trusted or read. The message names what is wrong, never a secret. */
export class WebhookRejectedError extends Error {
  constructor(
    readonly provider: PaymentProvider,
    readonly reason: WebhookRejection,
    message: string,
  ) {
    super(message);
  }
}

/** This deployment has no secret (Stripe) or webhook id (PayPal) for the provider. */
export class WebhookNotConfiguredError extends Error {
  constructor(readonly provider: PaymentProvider) {
    super(`${provider} webhooks are not configured in this deployment`);
  }
}

/** PayPal's signing certificate could not be fetched (network, timeout, HTTP error): ours to retry, not the sender's fault. */
export class WebhookCertificateUnavailableError extends Error {
  constructor(message: string) {
    super(message);
  }
}
