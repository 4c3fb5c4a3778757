import { Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '@ecotrack/platform';
import type { NotificationConfig } from '../config';
import { ChannelUnavailableError, type EmailSender, type PushSender, type SmsSender } from './channel';
import { SendGridEmailSender } from './sendgrid-email.sender';
import { SmtpEmailSender } from './smtp-email.sender';
import { TwilioSmsSender } from './twilio-sms.sender';
import { WebPushSender } from './web-push.sender';

/**
 * The configured senders, one per channel; a channel without its provider's variables has none.
 * Config validation guarantees that the chosen email provider has all of its variables.
 */
@Injectable()
export class ChannelSenders implements OnApplicationShutdown {
  private readonly emailSender?: EmailSender;
  private readonly smsSender?: SmsSender;
  private readonly pushSender?: PushSender;

  constructor(@Inject(APP_CONFIG) config: NotificationConfig) {
    if (config.EMAIL_PROVIDER === 'sendgrid' && config.SENDGRID_API_BASE && config.SENDGRID_API_KEY && config.EMAIL_FROM) {
      this.emailSender = new SendGridEmailSender({ apiBase: config.SENDGRID_API_BASE, apiKey: config.SENDGRID_API_KEY, from: config.EMAIL_FROM });
    } else if (config.EMAIL_PROVIDER === 'smtp' && config.SMTP_URL && config.EMAIL_FROM) {
      this.emailSender = new SmtpEmailSender({ url: config.SMTP_URL, from: config.EMAIL_FROM });
    }
    if (config.TWILIO_API_BASE && config.TWILIO_ACCOUNT_SID && config.TWILIO_AUTH_TOKEN && config.SMS_FROM) {
      this.smsSender = new TwilioSmsSender({
        apiBase: config.TWILIO_API_BASE,
        accountSid: config.TWILIO_ACCOUNT_SID,
        authToken: config.TWILIO_AUTH_TOKEN,
        from: config.SMS_FROM,
        statusCallbackUrl: config.TWILIO_STATUS_CALLBACK_URL,
      });
    }
    if (config.VAPID_PUBLIC_KEY && config.VAPID_PRIVATE_KEY && config.VAPID_SUBJECT) {
      this.pushSender = new WebPushSender({ publicKey: config.VAPID_PUBLIC_KEY, privateKey: config.VAPID_PRIVATE_KEY, subject: config.VAPID_SUBJECT });
    }
  }

  email(): EmailSender {
    if (!this.emailSender) throw new ChannelUnavailableError('email');
    return this.emailSender;
  }

  sms(): SmsSender {
    if (!this.smsSender) throw new ChannelUnavailableError('sms');
    return this.smsSender;
  }

  push(): PushSender {
    if (!this.pushSender) throw new ChannelUnavailableError('push');
    return this.pushSender;
  }

  onApplicationShutdown(): void {
    if (this.emailSender instanceof SmtpEmailSender) this.emailSender.close();
  }
}

@Module({ providers: [ChannelSenders], exports: [ChannelSenders] })
export class ChannelsModule {}
