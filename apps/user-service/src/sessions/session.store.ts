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

const userSessionsKey = (userId: string) => `user-sessions:${userId}`;

/** Login sessions in Redis under `session:<sid>`; other services check that key for revocation. */
@Injectable()
export class SessionStore implements SessionRevocation {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async create(sessionId: string, userId: string, refreshHash: string, ttlSeconds: number): Promise<void> {
    const key = sessionKey(sessionId);
    const index = userSessionsKey(userId);
    await this.redis
      .multi()
      .hset(key, { userId, refresh: refreshHash, createdAt: new Date().toISOString() })
      .expire(key, ttlSeconds)
      // The user's sessions, so a role change or an account lock can end them all at once.
      .sadd(index, sessionId)
      .expire(index, ttlSeconds)
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

  /** Ends every session of the user: their access tokens fail the revocation check everywhere at once. */
  async revokeAllOf(userId: string): Promise<number> {
    const index = userSessionsKey(userId);
    const sessionIds = await this.redis.smembers(index);
    if (sessionIds.length === 0) return 0;
    const [[, ended]] = (await this.redis.multi().del(...sessionIds.map(sessionKey)).del(index).exec()) as [[unknown, number]];
    return ended;
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    return (await this.redis.exists(sessionKey(sessionId))) === 0;
  }
}
