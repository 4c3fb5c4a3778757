import { Client } from '@sendgrid/client';
import { MailService } from '@sendgrid/mail';
import { ChannelSendError, type EmailMessage, type EmailSender, type SendReceipt } from '../channel';
import { PROVIDER_TIMEOUT_MS } from '../provider-timeouts';

/** The custom arg naming our notification; SendGrid's Event Webhook echoes it as a top-level field of each event. */
export const NOTIFICATION_ID_CUSTOM_ARG = 'notification_id';

export interface SendGridOptions {
  /** The SendGrid API base (a mock in tests); the SDK's default host is never used implicitly. */
  apiBase: string;
  apiKey: string;
  /** The verified sender address. */
  from: string;
  timeoutMs?: number;
}

interface SendGridError {
  code?: number;
  message?: string;
  response?: { body?: unknown };
}

/** Email through SendGrid v3 mail/send with the official SDK, its client pointed at `apiBase`. */
export class SendGridEmailSender implements EmailSender {
  readonly provider = 'sendgrid';
  private readonly mail = new MailService();

  constructor(private readonly options: SendGridOptions) {
    const client = new Client();
    client.setApiKey(options.apiKey);
    client.setDefaultRequest('baseUrl', options.apiBase.replace(/\/$/, ''));
    this.mail.setClient(client);
    this.mail.setTimeout(options.timeoutMs ?? PROVIDER_TIMEOUT_MS);
  }

  async send(message: EmailMessage): Promise<SendReceipt> {
    try {
      const [response] = await this.mail.send({
        // Our id rides in the personalization's custom_args (an object there; the top-level
        // custom_args is a string in SendGrid's spec), so event webhooks can name the notification.
        personalizations: [{ to: [{ email: message.to }], customArgs: { [NOTIFICATION_ID_CUSTOM_ARG]: message.notificationId } }],
        from: this.options.from,
        subject: message.subject,
        text: message.text,
        html: message.html,
      });
      const id = response.headers['x-message-id'] as string | undefined;
      return { providerMessageId: id ?? null };
    } catch (error) {
      const { code, message: text, response } = error as SendGridError;
      const detail = `POST /v3/mail/send: ${code ? `HTTP ${code} ` : ''}${JSON.stringify(response?.body ?? text ?? '').slice(0, 300)}`;
      const kind = code && code >= 400 && code < 500 ? 'rejected' : 'unavailable';
      throw new ChannelSendError(this.provider, kind, detail, code);
    }
  }
}
