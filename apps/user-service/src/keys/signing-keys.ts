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

/** Published JWKs say what they are for; older configured keys may lack alg/use. */
export const withJwkDefaults = (jwk: JWK): JWK => ({ ...jwk, alg: jwk.alg ?? (jwk.kty === 'RSA' ? 'RS256' : SIGNING_ALGORITHM), use: 'sig' });

/**
 * The key that signs new tokens and the public keys that verify tokens in
 * circulation. Two kinds: a fixed key from the environment (StaticSigningKeys)
 * or the key ring in OpenBao that rotates on a schedule (RotatingSigningKeys).
 */
export abstract class SigningKeys {
  /** The key that signs a token issued now. */
  abstract get current(): SigningKey;
  /** What /.well-known/jwks.json publishes: public halves only. */
  abstract get jwks(): { keys: JWK[] };
  /** The same set, in process: user-service verifies its own tokens without HTTP. Follows rotations. */
  abstract localKeySet(): JWTVerifyGetKey;
}

/** One configured key for the life of the process, plus older public keys (JWT_PREVIOUS_PUBLIC_KEYS). */
export class StaticSigningKeys extends SigningKeys {
  constructor(
    readonly current: SigningKey,
    private readonly previous: JWK[] = [],
  ) {
    super();
  }

  get jwks(): { keys: JWK[] } {
    return { keys: [this.current.publicJwk, ...this.previous].map(withJwkDefaults) };
  }

  localKeySet(): JWTVerifyGetKey {
    return createLocalJWKSet(this.jwks);
  }
}

export async function signingKey(kid: string, privateKey: KeyObject): Promise<SigningKey> {
  const { d: _private, ...publicJwk } = await exportJWK(createPublicKey(privateKey));
  return { kid, privateKey, publicJwk: { ...publicJwk, kid, alg: SIGNING_ALGORITHM, use: 'sig' } };
}

type KeyConfig = Pick<UserConfig, 'NODE_ENV' | 'JWT_SIGNING_KEY_PEM' | 'JWT_SIGNING_KEY_FILE' | 'JWT_SIGNING_KEY_ID' | 'JWT_PREVIOUS_PUBLIC_KEYS'>;

/** The key given in the environment (JWT_SIGNING_KEY_PEM or _FILE), if any. */
export function configuredPem(config: KeyConfig): string | undefined {
  return config.JWT_SIGNING_KEY_PEM ?? (config.JWT_SIGNING_KEY_FILE ? readFileSync(config.JWT_SIGNING_KEY_FILE, 'utf8') : undefined);
}

/**
 * Without OpenBao: the configured key (config validation already checked it
 * is an EC P-256 PKCS8 key). Without one, only development and test get an
 * ephemeral key.
 */
export async function loadSigningKeys(config: KeyConfig, warn: (message: string) => void): Promise<SigningKeys> {
  const pem = configuredPem(config);
  if (pem) {
    const privateKey = createPrivateKey({ key: normalizePem(pem), format: 'pem' });
    return new StaticSigningKeys(await signingKey(config.JWT_SIGNING_KEY_ID!, privateKey), config.JWT_PREVIOUS_PUBLIC_KEYS);
  }
  if (config.NODE_ENV === 'production') {
    throw new Error('JWT_SIGNING_KEY_PEM or JWT_SIGNING_KEY_FILE is required in production (or OPENBAO_ADDR: the key ring in OpenBao)');
  }
  const kid = `ephemeral-${randomUUID()}`;
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  warn(
    `NO SIGNING KEY CONFIGURED: generated an ephemeral ES256 key (kid ${kid}) because NODE_ENV=${config.NODE_ENV}. ` +
      'Every token dies with this process and other instances cannot verify it. ' +
      'Set JWT_SIGNING_KEY_FILE (or JWT_SIGNING_KEY_PEM) and JWT_SIGNING_KEY_ID to keep tokens across restarts, ' +
      'or OPENBAO_ADDR for the rotating key ring.',
  );
  return new StaticSigningKeys(await signingKey(kid, privateKey), config.JWT_PREVIOUS_PUBLIC_KEYS);
}
