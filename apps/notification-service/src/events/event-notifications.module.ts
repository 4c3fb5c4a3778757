import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { NotificationsModule } from '../notifications/notifications.module';
import { EventNotificationHandlers } from './event-notifications.handlers';
import { Recipient } from './recipient.entity';
import { RecipientsService } from './recipients.service';

/** user.events, order.events and payment.events → email notifications (recorded here, sent by the dispatcher). */
@Module({
  imports: [TypeOrmModule.forFeature([Recipient]), NotificationsModule],
  providers: [RecipientsService, EventNotificationHandlers],
})
export class EventNotificationsModule {}
