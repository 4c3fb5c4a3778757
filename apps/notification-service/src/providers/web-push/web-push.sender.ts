import { generateRequestDetails } from 'web-push';
import { ChannelSendError, PushSubscriptionGoneError, type PushMessage, type PushSender, type SendReceipt } from '../channel';
import { PROVIDER_TIMEOUT_MS } from '../provider-timeouts';

export interface WebPushOptions {
  /** The VAPID key pair (RFC 8292), base64url: the public key is what browsers subscribe with. */
  publicKey: string;
  privateKey: string;
  /** mailto: or https: contact for the push service's operators. */
  subject: string;
  /** How long the push service keeps a message for an offline browser (RFC 8030 TTL), seconds. */
  ttlSeconds?: number;
  timeoutMs?: number;
}

/**
 * Web Push: the payload encrypted for the subscription (RFC 8291, aes128gcm) and the request
 * signed with our VAPID key (RFC 8292), both by the `web-push` library; the request itself goes
 * out over fetch (web-push's own sender speaks only https and has no abort signal). 404/410 mean
 * the subscription is gone; 429 and 5xx are worth a retry; any other refusal is final.
 */
export class WebPushSender implements PushSender {
  readonly provider = 'webpush';
  readonly publicKey: string;

  constructor(private readonly options: WebPushOptions) {
    this.publicKey = options.publicKey;
  }

  async send(message: PushMessage): Promise<SendReceipt> {
    const { endpoint } = message.target;
    const where = `POST ${new URL(endpoint).origin}`;
    let request: ReturnType<typeof generateRequestDetails>;
    try {
      request = generateRequestDetails(message.target, message.payload, {
        vapidDetails: { subject: this.options.subject, publicKey: this.options.publicKey, privateKey: this.options.privateKey },
        TTL: this.options.ttlSeconds ?? 24 * 3_600,
        contentEncoding: 'aes128gcm',
        urgency: 'normal',
      });
    } catch (error) {
      // A subscription whose keys cannot be encrypted for, or a payload too large: no retry helps.
      throw new ChannelSendError(this.provider, 'rejected', `${where}: ${(error as Error).message}`);
    }
    let response: Response;
    try {
      response = await fetch(request.endpoint, {
        method: 'POST',
        // fetch sets Content-Length from the body itself (and refuses one given by hand).
        headers: Object.fromEntries(Object.entries(request.headers).filter(([name]) => name.toLowerCase() !== 'content-length').map(([name, value]) => [name, String(value)])),
        body: request.body ?? undefined,
        // A push service answers; it does not send us elsewhere (and must not send us inside).
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? PROVIDER_TIMEOUT_MS),
      });
    } catch (error) {
      // fetch says "fetch failed"; why (ECONNREFUSED, a timeout, TLS) is in its cause.
      const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
      throw new ChannelSendError(this.provider, 'unavailable', `${where}: ${(error as Error).message}${cause ? ` (${[cause.code, cause.message].filter(Boolean).join(' ')})` : ''}`);
    }
    const text = (await response.text().catch(() => '')).slice(0, 200);
    if (response.status === 404 || response.status === 410) {
      throw new PushSubscriptionGoneError(this.provider, `${where}: HTTP ${response.status} (subscription expired or unsubscribed) ${text}`, response.status);
    }
    if (response.status < 200 || response.status > 299) {
      const kind = response.status === 429 || response.status >= 500 ? 'unavailable' : 'rejected';
      throw new ChannelSendError(this.provider, kind, `${where}: HTTP ${response.status} ${text}`, response.status);
    }
    // RFC 8030 §5: the Location of the created push message resource, if the service gives one.
    const location = response.headers.get('location');
    return { providerMessageId: location && location.length <= 128 ? location : null };
  }
}
