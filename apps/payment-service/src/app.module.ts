import { Module } from '@nestjs/common';
import { APP_CONFIG, AuthModule, authOptionsFromConfig, DatabaseModule, RedisModule } from '@ecotrack/platform';
import { KafkaModule } from '@ecotrack/events';
import { entities } from './entities';
import { PaymentsModule } from './payments/payments.module';
import { WebhooksModule } from './webhooks/webhooks.module';

/** Every route needs a token verified against user-service's JWKS, unless marked @Public() (the provider webhooks). */
const auth = AuthModule.forRootAsync({ inject: [APP_CONFIG], useFactory: authOptionsFromConfig });

@Module({
  imports: [DatabaseModule.forRoot({ entities }), RedisModule, KafkaModule, auth, PaymentsModule, WebhooksModule],
})
export class AppModule {}
