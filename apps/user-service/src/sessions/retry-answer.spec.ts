import { newRefreshToken } from './refresh-token';
import { openRetryAnswer, sealRetryAnswer } from './retry-answer';

describe('refresh retry answer', () => {
  const sessionId = '0b6f3c1e-5d7a-4f7e-9a51-2c4e8b9d1f00';
  const old = newRefreshToken(sessionId);
  const pair = { accessToken: 'eyJhbGciOiJFUzI1NiJ9.e30.sig', refreshToken: newRefreshToken(sessionId), tokenType: 'Bearer' as const, expiresIn: 900 };

  it('opens with the old token to the very same pair', () => {
    expect(openRetryAnswer(sealRetryAnswer(pair, old, sessionId), old, sessionId)).toEqual(pair);
  });

  it('holds no token in clear', () => {
    const sealed = sealRetryAnswer(pair, old, sessionId);
    for (const secret of [pair.accessToken, pair.refreshToken, pair.refreshToken.split('.')[1], old.split('.')[1]]) expect(sealed).not.toContain(secret);
  });

  it('opens for no other token, no other session, and not after tampering', () => {
    const sealed = sealRetryAnswer(pair, old, sessionId);
    expect(() => openRetryAnswer(sealed, newRefreshToken(sessionId), sessionId)).toThrow();
    expect(() => openRetryAnswer(sealed, old, '9b6f3c1e-5d7a-4f7e-9a51-2c4e8b9d1f00')).toThrow();
    const [version, iv, body, tag] = sealed.split('.');
    const flipped = Buffer.from(body, 'base64url');
    flipped[0] ^= 1;
    expect(() => openRetryAnswer([version, iv, flipped.toString('base64url'), tag].join('.'), old, sessionId)).toThrow();
    expect(() => openRetryAnswer('v0.a.b.c', old, sessionId)).toThrow('unknown retry answer format');
  });
});
