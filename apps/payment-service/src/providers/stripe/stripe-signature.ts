import Stripe from 'stripe';
import { WebhookRejectedError } from '../../webhooks/webhook.errors';

/**
 * Checks the Stripe-Signature header (HMAC-SHA256 of `${t}.${rawBody}` with the endpoint secret)
 * and its timestamp with the SDK's own constructEvent, and returns the parsed event.
 * Stripe redelivers with fresh signatures, so a captured request replayed later is stale.
 */
export function verifyStripeEvent(rawBody: Buffer | undefined, header: string | string[] | undefined, secret: string, toleranceSeconds: number): Stripe.Event {
  if (typeof header !== 'string' || header.trim() === '') {
    throw new WebhookRejectedError('stripe', 'missing-signature', 'the Stripe-Signature header is missing');
  }
  if (!rawBody?.length) throw new WebhookRejectedError('stripe', 'malformed-event', 'the body is empty; a Stripe event is a JSON object');
  if (!(toleranceSeconds > 0)) throw new Error('the webhook tolerance must be positive (0 would disable the timestamp check)');
  try {
    return Stripe.webhooks.constructEvent(rawBody, header, secret, toleranceSeconds);
  } catch (error) {
    if (error instanceof Stripe.errors.StripeSignatureVerificationError) {
      // The SDK checks the signature first, then the age: a stale timestamp means a genuine but old delivery.
      if (/tolerance/i.test(error.message)) {
        throw new WebhookRejectedError('stripe', 'stale-timestamp', `the Stripe-Signature timestamp is more than ${toleranceSeconds} s old`);
      }
      throw new WebhookRejectedError('stripe', 'invalid-signature', 'the Stripe-Signature header does not match the body');
    }
    if (error instanceof SyntaxError) throw new WebhookRejectedError('stripe', 'malformed-event', 'the body is not JSON');
    throw error;
  }
}
