import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OutboxCommitSignal, SEALED_FIELDS_KEY } from '@ecotrack/events';
import { SEALED_FIELDS_CIPHER, sealedFieldsCipherProvider } from '@ecotrack/field-encryption';
import { PreferencesModule } from '../preferences/preferences.module';
import { ChannelsModule } from '../providers/channels.module';
import { PushModule } from '../push/push.module';
import { service } from '../service';
import { AnnouncedFacts } from './announced-facts';
import { Notification } from './notification.entity';
import { NotificationsController } from './notifications.controller';
import { NotificationMetrics } from './notification-metrics';
import { NOTIFICATIONS_RECORDED, NotificationsService } from './notifications.service';
import { SealedData } from './sealed-data';

/**
 * Notifications: the API (`/v1/notifications`), the record in PostgreSQL (the queue) and each
 * provider call under a claim. The dispatcher (dispatch/) sends what events recorded; the
 * providers' webhooks (providers/<vendor>/) report delivery.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Notification]), ChannelsModule, PreferencesModule, PushModule],
  controllers: [NotificationsController],
  providers: [
    NotificationsService,
    NotificationMetrics,
    AnnouncedFacts,
    // Our own commit signal (not the relay's): fires after a commit that recorded a queued notification.
    { provide: NOTIFICATIONS_RECORDED, useFactory: () => new OutboxCommitSignal() },
    // Sealed fields of user.events (address, token, name): decrypt only; the service does not start without OpenBao.
    sealedFieldsCipherProvider(service.name, SEALED_FIELDS_KEY),
    SealedData,
  ],
  exports: [NotificationsService, NOTIFICATIONS_RECORDED, SealedData, SEALED_FIELDS_CIPHER],
})
export class NotificationsModule {}
