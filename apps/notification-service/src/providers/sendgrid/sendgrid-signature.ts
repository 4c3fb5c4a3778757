import { EventWebhook } from '@sendgrid/eventwebhook';

/** SendGrid's headers on a signed Event Webhook post. */
export const SENDGRID_SIGNATURE_HEADER = 'X-Twilio-Email-Event-Webhook-Signature';
export const SENDGRID_TIMESTAMP_HEADER = 'X-Twilio-Email-Event-Webhook-Timestamp';

/**
 * Checks a signed Event Webhook post with SendGrid's own library: ECDSA P-256/SHA-256 over the
 * timestamp header followed by the raw body, base64 DER signature. Anything malformed is `false`.
 */
export class SendGridSignatureVerifier {
  private readonly webhook = new EventWebhook();
  private readonly key: ReturnType<EventWebhook['convertPublicKeyToECDSA']>;

  /** `publicKey`: as SendGrid shows it (base64 DER) or PEM. */
  constructor(publicKey: string) {
    this.key = this.webhook.convertPublicKeyToECDSA(publicKey.replace(/\\n/g, '\n'));
  }

  verify(rawBody: Buffer, signature: string, timestamp: string): boolean {
    try {
      return this.webhook.verifySignature(this.key, rawBody, signature, timestamp);
    } catch {
      return false;
    }
  }
}
