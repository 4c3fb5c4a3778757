import { Module } from '@nestjs/common';
import { APP_CONFIG } from '@ecotrack/core';
import { AuthModule, authOptionsFromConfig, DatabaseModule, RedisModule } from '@ecotrack/platform';
import { EventsModule, topics } from '@ecotrack/events';
import { entities } from './entities';
import { PaymentsModule } from './payments/payments.module';
import { PaymentCommandsModule } from './payment-commands/payment-commands.module';
import { WebhooksModule } from './webhooks/webhooks.module';

/** Every route needs a token verified against user-service's JWKS, unless marked @Public() (the provider webhooks). */
const auth = AuthModule.forRootAsync({ inject: [APP_CONFIG], useFactory: authOptionsFromConfig });

export interface PaymentMessagingOptions {
  /** Where the saga's commands are read from; default payment.commands. */
  commandsTopic?: string;
  /** The consumer group (and inbox consumer); default the service name. */
  groupId?: string;
}

/**
 * The service's modules. The options exist for tests that run payment-service in process while
 * another payment-service may be consuming payment.commands (same group: it would take half of the
 * commands; another group: both would act on each): such a test gives its instance a commands topic
 * and a group of its own. Replies and events go to the real topics either way.
 */
export function paymentServiceModules(messaging: PaymentMessagingOptions = {}) {
  return [
    DatabaseModule.forRoot({ entities }),
    RedisModule,
    EventsModule.forRoot({ produces: [topics.payment.events, topics.order.sagaReplies], groupId: messaging.groupId }),
    auth,
    PaymentsModule,
    WebhooksModule,
    PaymentCommandsModule.forRoot({ topic: messaging.commandsTopic }),
  ];
}

@Module({ imports: paymentServiceModules() })
export class AppModule {}
