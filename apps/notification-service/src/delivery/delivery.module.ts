import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OutboxCommitSignal } from '@ecotrack/events';
import { ChannelsModule } from '../channels/channels.module';
import { PreferencesModule } from '../preferences/preferences.module';
import { PushModule } from '../push/push.module';
import { FormBodyParser } from './form-body.parser';
import { Notification } from './notification.entity';
import { NotificationDispatcher } from './notification-dispatcher';
import { NotificationsController } from './notifications.controller';
import { NOTIFICATIONS_RECORDED, NotificationsService } from './notifications.service';
import { SendGridEventRecord } from './sendgrid-event.entity';
import { SendGridEventsController } from './sendgrid-events.controller';
import { SendGridEventsService } from './sendgrid-events.service';
import { TwilioStatusController } from './twilio-status.controller';

@Module({
  imports: [TypeOrmModule.forFeature([Notification, SendGridEventRecord]), ChannelsModule, PreferencesModule, PushModule],
  controllers: [NotificationsController, TwilioStatusController, SendGridEventsController],
  providers: [
    NotificationsService,
    SendGridEventsService,
    FormBodyParser,
    NotificationDispatcher,
    // Our own commit signal (not the relay's): fires after a commit that recorded a queued notification.
    { provide: NOTIFICATIONS_RECORDED, useFactory: () => new OutboxCommitSignal() },
  ],
  exports: [NotificationsService, NotificationDispatcher],
})
export class DeliveryModule {}
