import { Logger, Module } from '@nestjs/common';
import { APP_CONFIG, SECRET_SOURCE, type SecretSource } from '@ecotrack/core';
import { OpenBaoSecrets } from '@ecotrack/secrets';
import { createPrivateKey } from 'node:crypto';
import type { JWK } from 'jose';
import { normalizePem, type UserConfig } from '../config';
import { AccessTokenIssuer } from './access-token.issuer';
import { JwksController } from './jwks.controller';
import { RotatingSigningKeys } from './rotating-signing-keys';
import { configuredPem, loadSigningKeys, signingKey, SigningKeys } from './signing-keys';

/** Where the ring lives: next to the service's own KV entry, ecotrack/<environment>/user-service/jwt-signing-keys. */
export const KEY_RING_ENTRY = 'jwt-signing-keys';

/**
 * With OpenBao: the shared key ring there, rotated on schedule. A key still
 * configured in the environment (from before the ring) no longer signs; its
 * public half stays in the JWKS, so tokens it signed live out their lifetime.
 */
async function startKeyRing(config: UserConfig, secrets: OpenBaoSecrets, logger: Logger): Promise<RotatingSigningKeys> {
  const verifyOnlyKeys: JWK[] = [...(config.JWT_PREVIOUS_PUBLIC_KEYS ?? [])];
  const pem = configuredPem(config);
  if (pem && config.JWT_SIGNING_KEY_ID) {
    const legacy = await signingKey(config.JWT_SIGNING_KEY_ID, createPrivateKey({ key: normalizePem(pem), format: 'pem' }));
    verifyOnlyKeys.unshift(legacy.publicJwk);
    logger.warn(
      `JWT_SIGNING_KEY_* is set but keys come from the OpenBao key ring: key ${config.JWT_SIGNING_KEY_ID} only verifies; ` +
        'remove it once the tokens it signed have expired',
    );
  }
  return RotatingSigningKeys.start({
    store: secrets.kv,
    path: `${secrets.settings.kvPath}/${KEY_RING_ENTRY}`,
    metrics: secrets.metrics,
    logger,
    verifyOnlyKeys,
    schedule: () => ({
      rotationIntervalMs: config.JWT_SIGNING_KEY_ROTATION_INTERVAL,
      propagationDelayMs: config.JWT_SIGNING_KEY_PROPAGATION_DELAY,
      retireAfterMs: config.JWT_ACCESS_TOKEN_TTL_SECONDS * 1_000 + config.JWT_SIGNING_KEY_RETIREMENT_MARGIN,
      refreshMs: config.JWT_KEY_RING_REFRESH_MS,
    }),
  });
}

@Module({
  controllers: [JwksController],
  providers: [
    {
      provide: SigningKeys,
      inject: [APP_CONFIG, SECRET_SOURCE],
      useFactory: (config: UserConfig, source: SecretSource | null) => {
        const logger = new Logger('SigningKeys');
        if (source instanceof OpenBaoSecrets) return startKeyRing(config, source, logger);
        return loadSigningKeys(config, (message) => logger.warn(message));
      },
    },
    AccessTokenIssuer,
  ],
  exports: [SigningKeys, AccessTokenIssuer],
})
export class KeysModule {}
