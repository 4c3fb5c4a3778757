import { Module } from '@nestjs/common';
import { APP_CONFIG } from '@ecotrack/core';
import { AuthModule, authOptionsFromConfig, DatabaseModule, RedisModule } from '@ecotrack/platform';
import { EventsModule, topics } from '@ecotrack/events';
import { DeliveryModule } from './delivery/delivery.module';
import { entities } from './entities';
import { EventNotificationsModule } from './events/event-notifications.module';
import { PreferencesModule } from './preferences/preferences.module';

/** Every route needs a token verified against user-service's JWKS, unless marked @Public(). */
const auth = AuthModule.forRootAsync({ inject: [APP_CONFIG], useFactory: authOptionsFromConfig });

@Module({
  imports: [
    DatabaseModule.forRoot({ entities }),
    RedisModule,
    // Consumes user.events, order.events and payment.events (EventNotificationsModule); NotificationSent goes out through the outbox.
    EventsModule.forRoot({ produces: [topics.notification.events] }),
    auth,
    DeliveryModule,
    PreferencesModule,
    EventNotificationsModule,
  ],
})
export class AppModule {}
