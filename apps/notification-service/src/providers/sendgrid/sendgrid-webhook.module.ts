import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { NotificationsModule } from '../../notifications/notifications.module';
import { SendGridEventRecord } from './sendgrid-event.entity';
import { SendGridEventsController } from './sendgrid-events.controller';
import { SendGridEventsService } from './sendgrid-events.service';

/** SendGrid's signed Event Webhook (`/v1/notifications/webhooks/sendgrid`); the sender is built with the other channels (ChannelSenders). */
@Module({
  imports: [TypeOrmModule.forFeature([SendGridEventRecord]), NotificationsModule],
  controllers: [SendGridEventsController],
  providers: [SendGridEventsService],
})
export class SendGridWebhookModule {}
