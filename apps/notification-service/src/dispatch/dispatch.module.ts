import { Module } from '@nestjs/common';
import { NotificationsModule } from '../notifications/notifications.module';
import { NotificationDispatcher } from './notification-dispatcher';

/** Sends the notifications queued in PostgreSQL: first sends recorded from events, and retries. */
@Module({
  imports: [NotificationsModule],
  providers: [NotificationDispatcher],
  exports: [NotificationDispatcher],
})
export class DispatchModule {}
