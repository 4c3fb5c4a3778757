import { createTransport, type Transporter } from 'nodemailer';
import SMTPTransport from 'nodemailer/lib/smtp-transport';
import { ChannelSendError, type EmailMessage, type EmailSender, type SendReceipt } from '../channel';
import { PROVIDER_TIMEOUT_MS, SMTP_IDLE_TIMEOUTS } from '../provider-timeouts';

/** The header naming our notification in every message (for support and for bounce processing). */
export const NOTIFICATION_ID_HEADER = 'X-EcoTrack-Notification-Id';

export interface SmtpOptions {
  /** smtp://[user:pass@]host:port (STARTTLS) or smtps://... (TLS from the first byte). */
  url: string;
  /** The envelope and header sender. */
  from: string;
  timeoutMs?: number;
}

/** What nodemailer attaches to its errors: the SMTP reply code when the server answered, its own code otherwise. */
interface NodemailerError {
  code?: string;
  responseCode?: number;
  command?: string;
  response?: string;
  message?: string;
}

/** Our message or account is wrong: retrying the same thing cannot help. */
const PERMANENT_CODES = new Set(['EENVELOPE', 'EMESSAGE', 'EAUTH', 'EREQUIRETLS']);

/**
 * An SMTP failure as ours: a 5xx reply is a permanent refusal (rejected), a 4xx reply a temporary
 * one (unavailable, RFC 5321 §4.2.1); without a reply, a connection, DNS, TLS or timeout problem is
 * unavailable and a malformed envelope or message or failed authentication rejected.
 */
export function smtpErrorKind(error: NodemailerError): 'rejected' | 'unavailable' {
  if (typeof error.responseCode === 'number' && error.responseCode >= 400) return error.responseCode >= 500 ? 'rejected' : 'unavailable';
  return error.code && PERMANENT_CODES.has(error.code) ? 'rejected' : 'unavailable';
}

const isLoopback = (host: string) => host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);

/**
 * The transport's options: the URL's host, port and credentials (and any nodemailer options in
 * its query), STARTTLS required for smtp:// unless the relay is on loopback, bounded waits, and
 * no reading of files or URLs while building a message.
 */
export function smtpTransportOptions(smtpUrl: string, timeoutMs = PROVIDER_TIMEOUT_MS): SMTPTransport.Options {
  const url = new URL(smtpUrl);
  return {
    url: smtpUrl,
    requireTLS: url.protocol === 'smtp:' && !isLoopback(url.hostname),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: SMTP_IDLE_TIMEOUTS * timeoutMs,
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

/**
 * Email over SMTP with nodemailer: a relay in production (STARTTLS required unless the relay is
 * on loopback, e.g. a sidecar), Mailpit in development and tests. Nothing is read from files or
 * URLs while building a message.
 */
export class SmtpEmailSender implements EmailSender {
  readonly provider = 'smtp';
  private readonly transport: Transporter<SMTPTransport.SentMessageInfo>;
  private readonly fromDomain: string;

  constructor(private readonly options: SmtpOptions) {
    // An SMTPTransport rather than createTransport({ url, ... }): createTransport keeps only the URL's options.
    this.transport = createTransport(new SMTPTransport(smtpTransportOptions(options.url, options.timeoutMs)));
    this.fromDomain = options.from.split('@').pop() ?? 'localhost';
  }

  async send(message: EmailMessage): Promise<SendReceipt> {
    // Our own Message-ID, stable across retries, so a receiver can tell a resend from a new mail.
    const messageId = `${message.notificationId}@${this.fromDomain}`;
    try {
      await this.transport.sendMail({
        from: this.options.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        messageId: `<${messageId}>`,
        headers: { [NOTIFICATION_ID_HEADER]: message.notificationId },
      });
      return { providerMessageId: messageId };
    } catch (error) {
      const e = error as NodemailerError;
      const detail = `${e.command ? `${e.command}: ` : ''}${e.responseCode ? `SMTP ${e.responseCode} ` : e.code ? `${e.code} ` : ''}${e.response ?? e.message ?? ''}`;
      throw new ChannelSendError(this.provider, smtpErrorKind(e), detail.slice(0, 300), e.responseCode);
    }
  }

  close(): void {
    this.transport.close();
  }
}
