import { Logger, Module } from '@nestjs/common';
import { APP_CONFIG } from '@ecotrack/platform';
import type { UserConfig } from '../config';
import { AccessTokenIssuer } from './access-token.issuer';
import { JwksController } from './jwks.controller';
import { loadSigningKeys, SigningKeys } from './signing-keys';

@Module({
  controllers: [JwksController],
  providers: [
    {
      provide: SigningKeys,
      inject: [APP_CONFIG],
      useFactory: (config: UserConfig) => {
        const logger = new Logger('SigningKeys');
        return loadSigningKeys(config, (message) => logger.warn(message));
      },
    },
    AccessTokenIssuer,
  ],
  exports: [SigningKeys, AccessTokenIssuer],
})
export class KeysModule {}
