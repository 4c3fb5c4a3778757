import { Module } from '@nestjs/common';
import { NotificationsModule } from '../../notifications/notifications.module';
import { FormBodyParser } from './form-body.parser';
import { TwilioStatusController } from './twilio-status.controller';

/** Twilio's signed SMS status callbacks (`/v1/notifications/webhooks/twilio`, form posts); the sender is built with the other channels (ChannelSenders). */
@Module({
  imports: [NotificationsModule],
  controllers: [TwilioStatusController],
  providers: [FormBodyParser],
})
export class TwilioWebhookModule {}
