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

/** What the provider said when it accepted the message. */
export interface SendReceipt {
  /** The provider's message id (SendGrid X-Message-Id, Twilio SM sid); null when the provider gave none. */
  providerMessageId: string | null;
}

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

/** The channel has no provider configured in this deployment. */
export class ChannelUnavailableError extends Error {
  constructor(readonly channel: Channel) {
    super(`notification channel ${channel} is not configured`);
  }
}
