import { randomUUID } from 'node:crypto';
import { hashRefreshToken, newRefreshToken, sessionOf } from './refresh-token';

describe('refresh tokens', () => {
  it('carry 256 random bits after the session id and are never equal', () => {
    const sessionId = randomUUID();
    const [first, second] = [newRefreshToken(sessionId), newRefreshToken(sessionId)];
    expect(first).not.toBe(second);
    expect(Buffer.from(first.split('.')[1], 'base64url')).toHaveLength(32);
    expect(sessionOf(first)).toBe(sessionId);
  });

  it('are stored as a SHA-256 hex digest, not as themselves', () => {
    const token = newRefreshToken(randomUUID());
    expect(hashRefreshToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashRefreshToken(token)).not.toContain(token.split('.')[1]);
  });

  it.each(['', 'abc', `${randomUUID()}.short`, `not-a-uuid.${'a'.repeat(43)}`, `${randomUUID()}.${'a'.repeat(43)}.extra`])(
    'rejects a token not shaped like ours: %p',
    (token) => expect(sessionOf(token)).toBeUndefined(),
  );
});
