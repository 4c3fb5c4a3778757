import { Module } from '@nestjs/common';
import { APP_CONFIG } from '@ecotrack/core';
import { AuthModule, authOptionsFromConfig, DatabaseModule, RedisModule } from '@ecotrack/platform';
import { EventsModule, topics } from '@ecotrack/events';
import { DispatchModule } from './dispatch/dispatch.module';
import { entities } from './entities';
import { EventNotificationsModule } from './events/event-notifications.module';
import { NotificationsModule } from './notifications/notifications.module';
import { PreferencesModule } from './preferences/preferences.module';
import { SendGridWebhookModule } from './providers/sendgrid/sendgrid-webhook.module';
import { TwilioWebhookModule } from './providers/twilio/twilio-webhook.module';

/** Every route needs a token verified against user-service's JWKS, unless marked @Public(). */
const auth = AuthModule.forRootAsync({ inject: [APP_CONFIG], useFactory: authOptionsFromConfig });

@Module({
  imports: [
    DatabaseModule.forRoot({ entities }),
    RedisModule,
    // Consumes user.events, order.events and payment.events (EventNotificationsModule); NotificationSent goes out through the outbox.
    EventsModule.forRoot({ produces: [topics.notification.events] }),
    auth,
    NotificationsModule,
    DispatchModule,
    TwilioWebhookModule,
    SendGridWebhookModule,
    PreferencesModule,
    EventNotificationsModule,
  ],
})
export class AppModule {}
