import { Module } from '@nestjs/common';
import { APP_CONFIG } from '@ecotrack/core';
import { AuthModule, DatabaseModule, RedisModule } from '@ecotrack/platform';
import { EventsModule, topics } from '@ecotrack/events';
import { AccountsModule } from './accounts/accounts.module';
import type { UserConfig } from './config';
import { entities } from './entities';
import { RolesModule } from './roles/roles.module';
import { KeysModule } from './keys/keys.module';
import { SigningKeys } from './keys/signing-keys';
import { SessionsModule } from './sessions/sessions.module';
import { SessionStore } from './sessions/session.store';

/** user-service is the issuer: it verifies its own tokens with its own keys, no JWKS round trip. */
const auth = AuthModule.forRootAsync({
  imports: [KeysModule, SessionsModule],
  inject: [APP_CONFIG, SigningKeys, SessionStore],
  useFactory: (config: UserConfig, keys: SigningKeys, sessions: SessionStore) => ({
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    keys: { keySet: keys.localKeySet() },
    revocation: sessions,
  }),
});

@Module({
  imports: [
    DatabaseModule.forRoot({ entities }),
    RedisModule,
    // UserRegistered goes out through the outbox, in the registration's own transaction.
    EventsModule.forRoot({ produces: [topics.user.events] }),
    auth,
    KeysModule,
    AccountsModule,
    SessionsModule,
    RolesModule,
  ],
})
export class AppModule {}
