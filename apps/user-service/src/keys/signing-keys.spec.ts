import { createLocalJWKSet } from 'jose';
import { generateKeyPairSync } from 'node:crypto';
import { TokenVerifier } from '@ecotrack/platform';
import { AccessTokenIssuer } from './access-token.issuer';
import { loadSigningKeys } from './signing-keys';
import type { UserConfig } from '../config';

const pem = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const config = (overrides: Partial<UserConfig>): UserConfig => ({
  NODE_ENV: 'production',
  JWT_ISSUER: 'urn:ecotrack:user-service',
  JWT_AUDIENCE: 'ecotrack',
  JWT_ACCESS_TOKEN_TTL_SECONDS: 900,
  SESSION_TTL_SECONDS: 3600,
  REFRESH_RETRY_WINDOW_SECONDS: 15,
  JWT_SIGNING_KEY_ROTATION_INTERVAL: 7 * 86_400_000,
  JWT_SIGNING_KEY_PROPAGATION_DELAY: 600_000,
  JWT_SIGNING_KEY_RETIREMENT_MARGIN: 300_000,
  JWT_KEY_RING_REFRESH_MS: 30_000,
  EMAIL_VERIFICATION_TTL: 86_400_000,
  EMAIL_VERIFICATION_MAILS_PER_DAY: 5,
  REGISTRATION_REPLAY_WINDOW: 600_000,
  ...overrides,
});

describe('signing keys', () => {
  it('uses the configured key and kid, and publishes only its public half', async () => {
    const keys = await loadSigningKeys(config({ JWT_SIGNING_KEY_PEM: pem(), JWT_SIGNING_KEY_ID: 'user-2025-11' }), jest.fn());
    expect(keys.jwks.keys).toEqual([expect.objectContaining({ kid: 'user-2025-11', kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' })]);
    expect(keys.jwks.keys[0]).not.toHaveProperty('d');
  });

  it('publishes previous public keys after the current one', async () => {
    const previous = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'user-2025-10' };
    const keys = await loadSigningKeys(
      config({ JWT_SIGNING_KEY_PEM: pem(), JWT_SIGNING_KEY_ID: 'user-2025-11', JWT_PREVIOUS_PUBLIC_KEYS: [previous] }),
      jest.fn(),
    );
    expect(keys.jwks.keys.map((key) => key.kid)).toEqual(['user-2025-11', 'user-2025-10']);
    expect(keys.jwks.keys[1]).toMatchObject({ alg: 'ES256', use: 'sig' });
  });

  it('generates an ephemeral key in development, loudly', async () => {
    const warn = jest.fn();
    const keys = await loadSigningKeys(config({ NODE_ENV: 'development' }), warn);
    expect(keys.current.kid).toMatch(/^ephemeral-/);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('NO SIGNING KEY CONFIGURED'));
  });

  it('never generates a key in production', async () => {
    await expect(loadSigningKeys(config({}), jest.fn())).rejects.toThrow(/JWT_SIGNING_KEY_PEM/);
  });

  it('issues access tokens that the platform verifier accepts', async () => {
    const settings = config({ JWT_SIGNING_KEY_PEM: pem(), JWT_SIGNING_KEY_ID: 'k1', JWT_ACCESS_TOKEN_TTL_SECONDS: 60 });
    const keys = await loadSigningKeys(settings, jest.fn());
    const token = await new AccessTokenIssuer(settings, keys).issue({ userId: 'u-1', roles: ['customer'], sessionId: 's-1' });
    const verifier = new TokenVerifier({ issuer: settings.JWT_ISSUER, audience: 'ecotrack', keys: { keySet: createLocalJWKSet(keys.jwks) } });
    const user = await verifier.verify(token);
    expect(user).toMatchObject({ id: 'u-1', roles: ['customer'], sessionId: 's-1' });
    expect((user.claims.exp ?? 0) - (user.claims.iat ?? 0)).toBe(60);
  });
});
