import { BadRequestException, HttpException, ServiceUnavailableException } from '@nestjs/common';
import { problem } from '@ecotrack/platform';
import { WebhookCertificateUnavailableError, WebhookNotConfiguredError, WebhookRejectedError } from './webhook.errors';

export const WebhookProblemType = {
  rejected: 'urn:ecotrack:problem:webhook-rejected',
  notConfigured: 'urn:ecotrack:problem:webhook-not-configured',
  certificateUnavailable: 'urn:ecotrack:problem:webhook-certificate-unavailable',
} as const;

/** The HTTP face of webhook errors: 400 for deliveries we refuse, 503 for what is ours to fix (the provider retries). */
export function toWebhookProblem(error: unknown): HttpException | unknown {
  if (error instanceof WebhookRejectedError) {
    return new BadRequestException(
      problem(400, { type: WebhookProblemType.rejected, title: 'Webhook rejected', detail: error.message, provider: error.provider, reason: error.reason }),
    );
  }
  if (error instanceof WebhookNotConfiguredError) {
    return new ServiceUnavailableException(
      problem(503, { type: WebhookProblemType.notConfigured, title: 'Webhook not configured', detail: error.message, provider: error.provider }),
    );
  }
  if (error instanceof WebhookCertificateUnavailableError) {
    return new ServiceUnavailableException(
      problem(503, { type: WebhookProblemType.certificateUnavailable, title: 'Signing certificate unavailable', detail: error.message, provider: 'paypal' }),
    );
  }
  return error;
}
