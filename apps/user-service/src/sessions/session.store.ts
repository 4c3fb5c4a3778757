import { Inject, Injectable } from '@nestjs/common';
import { REDIS, sessionKey, type SessionRevocation } from '@ecotrack/platform';
import type Redis from 'ioredis';

export type RotationOutcome =
  | { outcome: 'rotated'; userId: string }
  /** A refresh token that was already rotated came back: stolen or replayed; the session is gone. */
  | { outcome: 'reused' }
  /** No such session (expired, logged out, revoked) or a token it never issued. */
  | { outcome: 'invalid' };

/**
 * One atomic step, so two concurrent refreshes with the same token cannot both win.
 * Hash fields: userId, refresh (hash of the current token), rotated:<hash> for each retired one.
 */
const ROTATE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {'invalid'} end
if redis.call('HGET', KEYS[1], 'refresh') == ARGV[1] then
  redis.call('HSET', KEYS[1], 'refresh', ARGV[2], 'rotated:' .. ARGV[1], '1')
  return {'rotated', redis.call('HGET', KEYS[1], 'userId')}
end
if redis.call('HEXISTS', KEYS[1], 'rotated:' .. ARGV[1]) == 1 then
  redis.call('DEL', KEYS[1])
  return {'reused'}
end
return {'invalid'}
`;

/** Login sessions in Redis under `session:<sid>`; other services check that key for revocation. */
@Injectable()
export class SessionStore implements SessionRevocation {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async create(sessionId: string, userId: string, refreshHash: string, ttlSeconds: number): Promise<void> {
    const key = sessionKey(sessionId);
    await this.redis
      .multi()
      .hset(key, { userId, refresh: refreshHash, createdAt: new Date().toISOString() })
      .expire(key, ttlSeconds)
      .exec();
  }

  async rotate(sessionId: string, presentedHash: string, nextHash: string): Promise<RotationOutcome> {
    const [outcome, userId] = (await this.redis.eval(ROTATE, 1, sessionKey(sessionId), presentedHash, nextHash)) as string[];
    if (outcome === 'rotated') return { outcome, userId };
    return { outcome: outcome === 'reused' ? 'reused' : 'invalid' };
  }

  async revoke(sessionId: string): Promise<void> {
    await this.redis.del(sessionKey(sessionId));
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    return (await this.redis.exists(sessionKey(sessionId))) === 0;
  }
}
