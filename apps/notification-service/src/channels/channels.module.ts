import { Inject, Injectable, Module } from '@nestjs/common';
import { APP_CONFIG } from '@ecotrack/platform';
import type { NotificationConfig } from '../config';
import { ChannelUnavailableError, type EmailSender, type SmsSender } from './channel';
import { SendGridEmailSender } from './sendgrid-email.sender';
import { TwilioSmsSender } from './twilio-sms.sender';

/** The configured senders, one per channel; a channel without credentials has none. */
@Injectable()
export class ChannelSenders {
  private readonly emailSender?: EmailSender;
  private readonly smsSender?: SmsSender;

  constructor(@Inject(APP_CONFIG) config: NotificationConfig) {
    if (config.SENDGRID_API_BASE && config.SENDGRID_API_KEY && config.EMAIL_FROM) {
      this.emailSender = new SendGridEmailSender({ apiBase: config.SENDGRID_API_BASE, apiKey: config.SENDGRID_API_KEY, from: config.EMAIL_FROM });
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
  }

  email(): EmailSender {
    if (!this.emailSender) throw new ChannelUnavailableError('email');
    return this.emailSender;
  }

  sms(): SmsSender {
    if (!this.smsSender) throw new ChannelUnavailableError('sms');
    return this.smsSender;
  }
}

@Module({ providers: [ChannelSenders], exports: [ChannelSenders] })
export class ChannelsModule {}
