import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ChannelsModule } from '../channels/channels.module';
import { PreferencesModule } from '../preferences/preferences.module';
import { FormBodyParser } from './form-body.parser';
import { Notification } from './notification.entity';
import { NotificationsController } from './notifications.controller';
import { NotificationsService } from './notifications.service';
import { RetryQueue } from './retry-queue';
import { RetryWorker } from './retry-worker';
import { TwilioStatusController } from './twilio-status.controller';

@Module({
  imports: [TypeOrmModule.forFeature([Notification]), ChannelsModule, PreferencesModule],
  controllers: [NotificationsController, TwilioStatusController],
  providers: [NotificationsService, FormBodyParser, RetryQueue, RetryWorker],
})
export class DeliveryModule {}
