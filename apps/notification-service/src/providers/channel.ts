/** The channels a notification can go out on. */
export type Channel = 'email' | 'sms' | 'push';
export const CHANNELS: readonly Channel[] = ['email', 'sms', 'push'];

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Ours, echoed back by the provider's events (SendGrid custom_args). */
  notificationId: string;
}

export interface SmsMessage {
  /** E.164. */
  to: string;
  body: string;
  notificationId: string;
}

/** A browser's push subscription (PushSubscription.toJSON()): where to post, and the keys to encrypt for. */
export interface PushTarget {
  /** The push service URL for this browser. */
  endpoint: string;
  /** The user agent's P-256 public key (base64url, 65 bytes uncompressed) and auth secret (base64url, 16 bytes). */
  keys: { p256dh: string; auth: string };
}

export interface PushMessage {
  target: PushTarget;
  /** What the service worker receives (JSON); encrypted end to end, at most ~3 KB. */
  payload: string;
  notificationId: string;
}

/** What the provider said when it accepted the message. */
export interface SendReceipt {
  /** The provider's message id (SendGrid X-Message-Id, Twilio SM sid); null when the provider gave none. */
  providerMessageId: string | null;
}

/** What a provider's delivery report means for a notification: it reached the recipient, or it will not. */
export type DeliveryOutcome = { status: 'delivered' } | { status: 'failed'; reason: string };

/** One capability, one interface: every email vendor adapter implements exactly this. */
export interface EmailSender {
  readonly provider: string;
  send(message: EmailMessage): Promise<SendReceipt>;
}

/** One capability, one interface: every SMS vendor adapter implements exactly this. */
export interface SmsSender {
  readonly provider: string;
  send(message: SmsMessage): Promise<SendReceipt>;
}

/** One capability, one interface: Web Push (VAPID) sends to one subscription per call. */
export interface PushSender {
  readonly provider: string;
  /** The application server key browsers subscribe with (applicationServerKey), base64url. */
  readonly publicKey: string;
  send(message: PushMessage): Promise<SendReceipt>;
}

/**
 * A provider refused or could not be reached. `rejected`: the provider refused our request
 * (4xx: a bug or a bad recipient); `unavailable`: network, timeout or 5xx (worth a retry).
 */
export class ChannelSendError extends Error {
  constructor(
    readonly provider: string,
    readonly kind: 'rejected' | 'unavailable',
    message: string,
    readonly providerStatus?: number,
  ) {
    super(`${provider}: ${message}`);
  }
}

/** The push service no longer knows the subscription (404/410): it expired or was revoked; delete it. */
export class PushSubscriptionGoneError extends ChannelSendError {
  constructor(provider: string, message: string, providerStatus: number) {
    super(provider, 'rejected', message, providerStatus);
  }
}

/** The channel has no provider configured in this deployment. */
export class ChannelUnavailableError extends Error {
  constructor(readonly channel: Channel) {
    super(`notification channel ${channel} is not configured`);
  }
}
