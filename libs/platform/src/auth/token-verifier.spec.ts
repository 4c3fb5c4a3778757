import { base64url, createLocalJWKSet, exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';
import { TokenRejected, TokenVerifier } from './token-verifier';

const issuer = 'urn:ecotrack:user-service';
const audience = 'ecotrack';
const claims = { roles: ['customer'], sid: 'c0ffee00-0000-4000-8000-000000000001' };

interface TestKey {
  kid: string;
  privateKey: KeyLike;
  publicKey: KeyLike;
  jwk: JWK;
}

async function newKey(kid: string, alg: 'ES256' | 'RS256' = 'ES256'): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, privateKey, publicKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

function token(key: TestKey, overrides: { alg?: string; typ?: string; iss?: string; aud?: string; exp?: number | string } = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: overrides.alg ?? 'ES256', kid: key.kid, typ: overrides.typ ?? 'at+jwt' })
    .setSubject('7d8f5f0e-8b1c-4a52-9d44-0b8e3c1f2a10')
    .setIssuer(overrides.iss ?? issuer)
    .setAudience(overrides.aud ?? audience)
    .setIssuedAt()
    .setExpirationTime(overrides.exp ?? '15m')
    .sign(key.privateKey);
}

/** A JWT assembled by hand, the way an attacker would: any header, any signature. */
function forged(header: object, payload: object, signature = ''): string {
  const part = (value: object) => base64url.encode(JSON.stringify(value));
  return `${part(header)}.${part(payload)}.${signature}`;
}

describe('TokenVerifier', () => {
  let current: TestKey;
  let rsa: TestKey;
  let verifier: TokenVerifier;

  beforeAll(async () => {
    current = await newKey('key-2025');
    rsa = await newKey('rsa-key', 'RS256');
    verifier = new TokenVerifier({ issuer, audience, keys: { keySet: createLocalJWKSet({ keys: [current.jwk, rsa.jwk] }) } });
  });

  const rejected = async (jwt: string, reason: string | RegExp) => {
    const error = await verifier.verify(jwt).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TokenRejected);
    expect((error as TokenRejected).reason).toMatch(reason);
  };

  it('accepts a valid ES256 token and reads the user from it', async () => {
    await expect(verifier.verify(await token(current))).resolves.toMatchObject({
      id: '7d8f5f0e-8b1c-4a52-9d44-0b8e3c1f2a10',
      roles: ['customer'],
      sessionId: claims.sid,
    });
  });

  it('accepts a valid RS256 token', async () => {
    await expect(verifier.verify(await token(rsa, { alg: 'RS256' }))).resolves.toMatchObject({ roles: ['customer'] });
  });

  it('rejects an expired token', async () => {
    await rejected(await token(current, { exp: Math.floor(Date.now() / 1000) - 60 }), 'token expired');
  });

  it('rejects a token whose payload was changed after signing', async () => {
    const [header, , signature] = (await token(current)).split('.');
    const payload = base64url.encode(JSON.stringify({ ...claims, roles: ['admin'], sub: 'x', iss: issuer, aud: audience, exp: 9e9, iat: 1 }));
    await rejected(`${header}.${payload}.${signature}`, 'signature invalid');
  });

  it('rejects a token whose signature was changed', async () => {
    const jwt = await token(current);
    const flipped = jwt.slice(0, -4) + (jwt.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    await rejected(flipped, 'signature invalid');
  });

  it('rejects alg "none" (unsigned token)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const payload = { ...claims, sub: 'u', iss: issuer, aud: audience, iat: now, exp: now + 600 };
    await rejected(forged({ alg: 'none', typ: 'at+jwt', kid: current.kid }, payload), 'signing algorithm not allowed');
    await rejected(forged({ alg: 'none', typ: 'at+jwt' }, payload), 'signing algorithm not allowed');
  });

  it('rejects HS256 signed with the public key as the HMAC secret (key confusion)', async () => {
    const secret = new TextEncoder().encode(await exportSPKI(current.publicKey));
    const hs = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid: current.kid, typ: 'at+jwt' })
      .setSubject('u')
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime('15m')
      .sign(secret);
    await rejected(hs, 'signing algorithm not allowed');
  });

  it('rejects a token signed by a key it does not know (unknown kid)', async () => {
    await rejected(await token(await newKey('someone-elses-key')), 'unknown signing key');
  });

  it('rejects a token that claims a known kid but was signed by another key', async () => {
    const impostor = { ...(await newKey('x')), kid: current.kid };
    await rejected(await token(impostor), 'signature invalid');
  });

  it('rejects the wrong audience and the wrong issuer', async () => {
    await rejected(await token(current, { aud: 'another-system' }), 'claim "aud" is invalid');
    await rejected(await token(current, { iss: 'https://evil.example' }), 'claim "iss" is invalid');
  });

  it('rejects a JWT that is not an access token (typ)', async () => {
    await rejected(await token(current, { typ: 'JWT' }), 'claim "typ" is invalid');
  });

  it('rejects a token without sub or with malformed roles', async () => {
    const noSub = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: current.kid, typ: 'at+jwt' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime('15m')
      .sign(current.privateKey);
    await rejected(noSub, 'claim "sub" is invalid');
    const badRoles = await new SignJWT({ roles: 'admin' })
      .setProtectedHeader({ alg: 'ES256', kid: current.kid, typ: 'at+jwt' })
      .setSubject('u')
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime('15m')
      .sign(current.privateKey);
    await rejected(badRoles, 'claim "roles" is invalid');
  });

  it('rejects garbage', async () => {
    await rejected('not-a-jwt', 'malformed token');
    await rejected('a.b.c', 'malformed token');
  });
});
