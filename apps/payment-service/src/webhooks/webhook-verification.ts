import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '@ecotrack/core';
import type { PaymentConfig } from '../config';
import { fromPayPalEvent } from '../providers/paypal/paypal-events';
import { paypalTransmission, PayPalSignatureVerifier } from '../providers/paypal/paypal-signature';
import { fromStripeEvent } from '../providers/stripe/stripe-events';
import { verifyStripeEvent } from '../providers/stripe/stripe-signature';
import type { ProviderEvent } from './provider-events';
import { WebhookNotConfiguredError, WebhookRejectedError } from './webhook.errors';

type Headers = Record<string, string | string[] | undefined>;

/** From raw delivery to a trusted ProviderEvent, or an error; nothing here touches the database. */
@Injectable()
export class WebhookVerification {
  private readonly paypalVerifier?: PayPalSignatureVerifier;

  constructor(@Inject(APP_CONFIG) private readonly config: PaymentConfig) {
    if (config.PAYPAL_WEBHOOK_ID) {
      this.paypalVerifier = new PayPalSignatureVerifier({
        webhookId: config.PAYPAL_WEBHOOK_ID,
        toleranceSeconds: config.WEBHOOK_TOLERANCE_SECONDS,
        certHosts: config.PAYPAL_WEBHOOK_CERT_HOSTS,
        allowHttp: config.PAYPAL_WEBHOOK_CERT_ALLOW_HTTP,
      });
    }
    if (config.PAYPAL_WEBHOOK_CERT_ALLOW_HTTP) {
      new Logger('Webhooks').warn('PAYPAL_WEBHOOK_CERT_ALLOW_HTTP is on: PayPal signing certificates may be fetched over plain http (tests only)');
    }
  }

  stripe(rawBody: Buffer | undefined, headers: Headers): ProviderEvent {
    const secret = this.config.STRIPE_WEBHOOK_SECRET;
    if (!secret) throw new WebhookNotConfiguredError('stripe');
    return fromStripeEvent(verifyStripeEvent(rawBody, headers['stripe-signature'], secret, this.config.WEBHOOK_TOLERANCE_SECONDS));
  }

  async paypal(rawBody: Buffer | undefined, headers: Headers): Promise<ProviderEvent> {
    if (!this.paypalVerifier) throw new WebhookNotConfiguredError('paypal');
    await this.paypalVerifier.verify(rawBody, paypalTransmission(headers));
    let body: unknown;
    try {
      body = JSON.parse((rawBody as Buffer).toString('utf8'));
    } catch {
      throw new WebhookRejectedError('paypal', 'malformed-event', 'the body is not JSON');
    }
    return fromPayPalEvent(body);
  }
}
