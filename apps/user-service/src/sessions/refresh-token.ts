import { createHash, randomBytes } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SECRET = /^[A-Za-z0-9_-]{43}$/; // 32 random bytes, base64url

/**
 * `<session id>.<256 random bits>`: opaque to clients; the session id lets one
 * Redis key hold the whole session, and only the SHA-256 of the token is stored.
 */
export function newRefreshToken(sessionId: string): string {
  return `${sessionId}.${randomBytes(32).toString('base64url')}`;
}

/** The session a token claims to belong to, or undefined when it is not shaped like ours. */
export function sessionOf(token: string): string | undefined {
  const [sessionId, secret, ...rest] = token.split('.');
  return rest.length === 0 && UUID.test(sessionId ?? '') && SECRET.test(secret ?? '') ? sessionId : undefined;
}

export const hashRefreshToken = (token: string) => createHash('sha256').update(token).digest('hex');
