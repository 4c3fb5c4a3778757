import { Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '@ecotrack/core';
import { FollowsConfig } from '@ecotrack/platform';
import type { NotificationConfig } from '../config';
import { ChannelUnavailableError, type EmailSender, type PushSender, type SmsSender } from './channel';
import { SendGridEmailSender } from './sendgrid/sendgrid-email.sender';
import { SmtpEmailSender } from './smtp/smtp-email.sender';
import { TwilioSmsSender } from './twilio/twilio-sms.sender';
import { WebPushSender } from './web-push/web-push.sender';

interface Senders {
  email?: EmailSender;
  sms?: SmsSender;
  push?: PushSender;
}

/** Config validation guarantees that the chosen email provider has all of its variables. */
function buildSenders(config: NotificationConfig): Senders {
  const senders: Senders = {};
  if (config.EMAIL_PROVIDER === 'sendgrid' && config.SENDGRID_API_BASE && config.SENDGRID_API_KEY && config.EMAIL_FROM) {
    senders.email = new SendGridEmailSender({ apiBase: config.SENDGRID_API_BASE, apiKey: config.SENDGRID_API_KEY, from: config.EMAIL_FROM });
  } else if (config.EMAIL_PROVIDER === 'smtp' && config.SMTP_URL && config.EMAIL_FROM) {
    senders.email = new SmtpEmailSender({ url: config.SMTP_URL, from: config.EMAIL_FROM });
  }
  if (config.TWILIO_API_BASE && config.TWILIO_ACCOUNT_SID && config.TWILIO_AUTH_TOKEN && config.SMS_FROM) {
    senders.sms = new TwilioSmsSender({
      apiBase: config.TWILIO_API_BASE,
      accountSid: config.TWILIO_ACCOUNT_SID,
      authToken: config.TWILIO_AUTH_TOKEN,
      from: config.SMS_FROM,
      statusCallbackUrl: config.TWILIO_STATUS_CALLBACK_URL,
    });
  }
  if (config.VAPID_PUBLIC_KEY && config.VAPID_PRIVATE_KEY && config.VAPID_SUBJECT) {
    senders.push = new WebPushSender({ publicKey: config.VAPID_PUBLIC_KEY, privateKey: config.VAPID_PRIVATE_KEY, subject: config.VAPID_SUBJECT });
  }
  return senders;
}

/**
 * The configured senders, one per channel; a channel without its provider's variables has none.
 * Rebuilt when their settings change (a key rotated in OpenBao): the next send uses the new key.
 */
@Injectable()
export class ChannelSenders implements OnApplicationShutdown {
  private readonly senders: FollowsConfig<Senders>;

  constructor(@Inject(APP_CONFIG) config: NotificationConfig) {
    const inputs = () => [
      config.EMAIL_PROVIDER, config.SENDGRID_API_BASE, config.SENDGRID_API_KEY, config.EMAIL_FROM, config.SMTP_URL,
      config.TWILIO_API_BASE, config.TWILIO_ACCOUNT_SID, config.TWILIO_AUTH_TOKEN, config.SMS_FROM, config.TWILIO_STATUS_CALLBACK_URL,
      config.VAPID_PUBLIC_KEY, config.VAPID_PRIVATE_KEY, config.VAPID_SUBJECT,
    ];
    // The SMTP sender holds a connection pool; a replaced one is closed.
    this.senders = new FollowsConfig(inputs, () => buildSenders(config), (old) => {
      if (old.email instanceof SmtpEmailSender) old.email.close();
    });
  }

  email(): EmailSender {
    const { email } = this.senders.get();
    if (!email) throw new ChannelUnavailableError('email');
    return email;
  }

  sms(): SmsSender {
    const { sms } = this.senders.get();
    if (!sms) throw new ChannelUnavailableError('sms');
    return sms;
  }

  push(): PushSender {
    const { push } = this.senders.get();
    if (!push) throw new ChannelUnavailableError('push');
    return push;
  }

  onApplicationShutdown(): void {
    this.senders.close();
  }
}

@Module({ providers: [ChannelSenders], exports: [ChannelSenders] })
export class ChannelsModule {}
