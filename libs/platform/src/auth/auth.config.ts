import { z } from 'zod';
import type { AuthOptions } from './auth.options';

export const DEFAULT_JWT_ISSUER = 'urn:ecotrack:user-service';
export const DEFAULT_JWT_AUDIENCE = 'ecotrack';

/**
 * The variables a service adds to its config extension when it verifies tokens
 * (`config: { ...jwtVerificationConfig }`), then maps onto AuthModule's options.
 * Not part of the platform schema: a service without auth needs none of them.
 */
export const jwtVerificationConfig = {
  JWT_JWKS_URL: z.string().url(),
  JWT_ISSUER: z.string().min(1).default(DEFAULT_JWT_ISSUER),
  JWT_AUDIENCE: z.string().min(1).default(DEFAULT_JWT_AUDIENCE),
  JWT_REVOCATION_CHECK: z.enum(['on', 'off']).default('on'),
};

type JwtVerificationConfig = { [K in keyof typeof jwtVerificationConfig]: z.infer<(typeof jwtVerificationConfig)[K]> };

/** For `AuthModule.forRootAsync({ inject: [APP_CONFIG], useFactory: authOptionsFromConfig })` in a service that verifies over JWKS. */
export function authOptionsFromConfig(config: JwtVerificationConfig): AuthOptions {
  return {
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    keys: { jwksUrl: config.JWT_JWKS_URL },
    // Omitted means: check `session:<sid>` in Redis when the service has Redis.
    ...(config.JWT_REVOCATION_CHECK === 'off' ? { revocation: false as const } : {}),
  };
}
