import { Module } from '@nestjs/common';
import { APP_CONFIG, AuthModule, authOptionsFromConfig, DatabaseModule, RedisModule } from '@ecotrack/platform';
import { KafkaModule } from '@ecotrack/events';
import { DeliveryModule } from './delivery/delivery.module';
import { entities } from './entities';
import { PreferencesModule } from './preferences/preferences.module';

/** Every route needs a token verified against user-service's JWKS, unless marked @Public(). */
const auth = AuthModule.forRootAsync({ inject: [APP_CONFIG], useFactory: authOptionsFromConfig });

@Module({
  imports: [DatabaseModule.forRoot({ entities }), RedisModule, KafkaModule, auth, DeliveryModule, PreferencesModule],
})
export class AppModule {}
