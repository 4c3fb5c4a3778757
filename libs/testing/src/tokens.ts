import { base64url, exportPKCS8, generateKeyPair, importPKCS8, SignJWT, type KeyLike } from 'jose';
import { createPublicKey, randomUUID } from 'node:crypto';

/** An ES256 key pair a test owns: a service signs with it, or the test forges tokens "from" it. */
export interface TestKey {
  kid: string;
  privateKey: KeyLike;
  publicKey: KeyLike;
  pem: string;
}

export async function newTestKey(kid = `test-${randomUUID().slice(0, 8)}`): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { kid, privateKey, publicKey, pem: await exportPKCS8(privateKey) };
}

/** A key the test did not make, from its PKCS8 PEM (e.g. a running user-service's signing key). */
export async function testKeyFromPem(kid: string, pem: string): Promise<TestKey> {
  return { kid, privateKey: await importPKCS8(pem, 'ES256'), publicKey: createPublicKey(pem), pem };
}

/** A token signed with `key`; by default one user-service would issue itself. */
export function signToken(key: TestKey, claims: Record<string, unknown>, header: Record<string, unknown> = {}, expiresAt?: number) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ roles: ['customer'], ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'at+jwt', ...header })
    .setIssuer(String(claims.iss ?? 'urn:ecotrack:user-service'))
    .setAudience(String(claims.aud ?? 'ecotrack'))
    .setIssuedAt(now - 5)
    .setExpirationTime(expiresAt ?? now + 600)
    .sign(key.privateKey);
}

const part = (value: object) => base64url.encode(JSON.stringify(value));

/** `token` with its payload replaced and its header and signature kept: a tampered token. */
export function withPayload(token: string, payload: Record<string, unknown>): string {
  const [header, , signature] = token.split('.');
  return `${header}.${part(payload)}.${signature}`;
}

/** An unsigned token (`alg: none`, empty signature) with this header and payload. */
export function unsignedToken(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  return `${part({ ...header, alg: 'none' })}.${part(payload)}.`;
}
