import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, exportJWK, type JWK, type JWTVerifyGetKey } from 'jose';
import { normalizePem, type UserConfig } from '../config';

export const SIGNING_ALGORITHM = 'ES256';

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: JWK;
}

/** The key that signs new tokens, plus older public keys that still verify tokens in circulation. */
export class SigningKeys {
  constructor(
    readonly current: SigningKey,
    private readonly previous: JWK[] = [],
  ) {}

  /** What /.well-known/jwks.json publishes: public halves only. */
  get jwks(): { keys: JWK[] } {
    const withDefaults = (jwk: JWK): JWK => ({ ...jwk, alg: jwk.alg ?? (jwk.kty === 'RSA' ? 'RS256' : SIGNING_ALGORITHM), use: 'sig' });
    return { keys: [this.current.publicJwk, ...this.previous].map(withDefaults) };
  }

  /** The same set, in process: user-service verifies its own tokens without HTTP. */
  localKeySet(): JWTVerifyGetKey {
    return createLocalJWKSet(this.jwks);
  }
}

async function signingKey(kid: string, privateKey: KeyObject): Promise<SigningKey> {
  const { d: _private, ...publicJwk } = await exportJWK(createPublicKey(privateKey));
  return { kid, privateKey, publicJwk: { ...publicJwk, kid, alg: SIGNING_ALGORITHM, use: 'sig' } };
}

type KeyConfig = Pick<UserConfig, 'NODE_ENV' | 'JWT_SIGNING_KEY_PEM' | 'JWT_SIGNING_KEY_FILE' | 'JWT_SIGNING_KEY_ID' | 'JWT_PREVIOUS_PUBLIC_KEYS'>;

/**
 * The configured key (config validation already checked it is an EC P-256
 * PKCS8 key). Without one, only development and test get an ephemeral key.
 */
export async function loadSigningKeys(config: KeyConfig, warn: (message: string) => void): Promise<SigningKeys> {
  const pem = config.JWT_SIGNING_KEY_PEM ?? (config.JWT_SIGNING_KEY_FILE && readFileSync(config.JWT_SIGNING_KEY_FILE, 'utf8'));
  if (pem) {
    const privateKey = createPrivateKey({ key: normalizePem(pem), format: 'pem' });
    return new SigningKeys(await signingKey(config.JWT_SIGNING_KEY_ID!, privateKey), config.JWT_PREVIOUS_PUBLIC_KEYS);
  }
  if (config.NODE_ENV === 'production') {
    throw new Error('JWT_SIGNING_KEY_PEM or JWT_SIGNING_KEY_FILE is required in production');
  }
  const kid = `ephemeral-${randomUUID()}`;
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  warn(
    `NO SIGNING KEY CONFIGURED: generated an ephemeral ES256 key (kid ${kid}) because NODE_ENV=${config.NODE_ENV}. ` +
      'Every token dies with this process and other instances cannot verify it. ' +
      'Set JWT_SIGNING_KEY_FILE (or JWT_SIGNING_KEY_PEM) and JWT_SIGNING_KEY_ID to keep tokens across restarts.',
  );
  return new SigningKeys(await signingKey(kid, privateKey), config.JWT_PREVIOUS_PUBLIC_KEYS);
}
