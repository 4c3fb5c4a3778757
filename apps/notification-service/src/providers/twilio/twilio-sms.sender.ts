import { ChannelSendError, type SendReceipt, type SmsMessage, type SmsSender } from '../channel';
import { PROVIDER_TIMEOUT_MS } from '../provider-timeouts';

/** The StatusCallback for one message: the configured URL naming the notification (Twilio signs the whole URL). */
export function statusCallbackUrl(base: string, notificationId: string): string {
  const url = new URL(base);
  url.searchParams.set('notificationId', notificationId);
  return url.toString();
}

export interface TwilioOptions {
  /** The Twilio REST base (a mock in tests). */
  apiBase: string;
  accountSid: string;
  authToken: string;
  /** The sending number, E.164. */
  from: string;
  /** Where Twilio posts status changes (notificationId is added per message); omitted: none. */
  statusCallbackUrl?: string;
  timeoutMs?: number;
}

/**
 * SMS through Twilio's 2010-04-01 Messages resource over fetch: form-encoded, HTTP basic
 * auth with the account SID and auth token. (Plain fetch rather than the twilio SDK: the SDK
 * builds its hosts from product/region/edge and has no base-URL option to aim it at a mock.)
 */
export class TwilioSmsSender implements SmsSender {
  readonly provider = 'twilio';

  constructor(private readonly options: TwilioOptions) {}

  async send(message: SmsMessage): Promise<SendReceipt> {
    const path = `/2010-04-01/Accounts/${encodeURIComponent(this.options.accountSid)}/Messages.json`;
    const form = new URLSearchParams({ To: message.to, From: this.options.from, Body: message.body });
    if (this.options.statusCallbackUrl) form.set('StatusCallback', statusCallbackUrl(this.options.statusCallbackUrl, message.notificationId));
    const basic = Buffer.from(`${this.options.accountSid}:${this.options.authToken}`).toString('base64');
    let response: Response;
    try {
      response = await fetch(`${this.options.apiBase.replace(/\/$/, '')}${path}`, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? PROVIDER_TIMEOUT_MS),
      });
    } catch (error) {
      throw new ChannelSendError(this.provider, 'unavailable', `POST ${path}: ${(error as Error).message}`);
    }
    const text = await response.text();
    if (!response.ok) {
      const kind = response.status >= 500 ? 'unavailable' : 'rejected';
      throw new ChannelSendError(this.provider, kind, `POST ${path}: HTTP ${response.status} ${text.slice(0, 300)}`, response.status);
    }
    const body = JSON.parse(text) as { sid?: string };
    if (!body.sid) throw new ChannelSendError(this.provider, 'rejected', `POST ${path}: response without sid`, response.status);
    return { providerMessageId: body.sid };
  }
}
