import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OutboxCommitSignal, SEALED_FIELDS_KEY } from '@ecotrack/events';
import { SEALED_FIELDS_CIPHER, sealedFieldsCipherProvider } from '@ecotrack/field-encryption';
import { ChannelsModule } from '../channels/channels.module';
import { PreferencesModule } from '../preferences/preferences.module';
import { PushModule } from '../push/push.module';
import { service } from '../service';
import { FormBodyParser } from './form-body.parser';
import { Notification } from './notification.entity';
import { NotificationDispatcher } from './notification-dispatcher';
import { NotificationsController } from './notifications.controller';
import { NOTIFICATIONS_RECORDED, NotificationsService } from './notifications.service';
import { SealedData } from './sealed-data';
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
    // Sealed fields of user.events (address, token, name): decrypt only; the service does not start without OpenBao.
    sealedFieldsCipherProvider(service.name, SEALED_FIELDS_KEY),
    SealedData,
  ],
  exports: [NotificationsService, NotificationDispatcher, SealedData, SEALED_FIELDS_CIPHER],
})
export class DeliveryModule {}
