import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ChannelsModule } from '../channels/channels.module';
import { PreferencesModule } from '../preferences/preferences.module';
import { PushModule } from '../push/push.module';
import { FormBodyParser } from './form-body.parser';
import { Notification } from './notification.entity';
import { NotificationsController } from './notifications.controller';
import { NotificationsService } from './notifications.service';
import { RetryQueue } from './retry-queue';
import { RetryWorker } from './retry-worker';
import { SendGridEventRecord } from './sendgrid-event.entity';
import { SendGridEventsController } from './sendgrid-events.controller';
import { SendGridEventsService } from './sendgrid-events.service';
import { TwilioStatusController } from './twilio-status.controller';

@Module({
  imports: [TypeOrmModule.forFeature([Notification, SendGridEventRecord]), ChannelsModule, PreferencesModule, PushModule],
  controllers: [NotificationsController, TwilioStatusController, SendGridEventsController],
  providers: [NotificationsService, SendGridEventsService, FormBodyParser, RetryQueue, RetryWorker],
})
export class DeliveryModule {}
