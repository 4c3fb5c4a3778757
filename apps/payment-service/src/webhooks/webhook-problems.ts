import { BadRequestException, HttpException, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { problem } from '@ecotrack/platform';
import { WebhookCertificateUnavailableError, WebhookNotConfiguredError, WebhookRejectedError } from './webhook.errors';

export const WebhookProblemType = {
  rejected: 'urn:ecotrack:problem:webhook-rejected',
  notConfigured: 'urn:ecotrack:problem:webhook-not-configured',
  certificateUnavailable: 'urn:ecotrack:problem:webhook-certificate-unavailable',
} as const;

/**
 * The HTTP face of webhook errors: 400 for deliveries we refuse; 404 for a webhook this deployment
 * does not offer (no signing secret or webhook id: nothing will verify a delivery until an operator
 * sets one, so it is no temporary outage); 503 for a certificate that could not be fetched just now.
 * Stripe, PayPal and SendGrid retry any answer but a 2xx, so a delivery made before the secret
 * was set is retried either way.
 */
export function toWebhookProblem(error: unknown): HttpException | unknown {
  if (error instanceof WebhookRejectedError) {
    return new BadRequestException(
      problem(400, { type: WebhookProblemType.rejected, title: 'Webhook rejected', detail: error.message, provider: error.provider, reason: error.reason }),
    );
  }
  if (error instanceof WebhookNotConfiguredError) {
    return new NotFoundException(
      problem(404, { type: WebhookProblemType.notConfigured, title: 'Webhook not configured', detail: error.message, provider: error.provider }),
    );
  }
  if (error instanceof WebhookCertificateUnavailableError) {
    return new ServiceUnavailableException(
      problem(503, { type: WebhookProblemType.certificateUnavailable, title: 'Signing certificate unavailable', detail: error.message, provider: 'paypal' }),
    );
  }
  return error;
}
