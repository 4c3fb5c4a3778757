import { Inject, Injectable } from '@nestjs/common';
import { REDIS, sessionKey, type SessionRevocation } from '@ecotrack/platform';
import type Redis from 'ioredis';

export type RotationOutcome =
  | { outcome: 'rotated' }
  /** The token just rotated came back within the retry window: here is what its first use got (sealed). */
  | { outcome: 'retried'; answer: string }
  /** A refresh token that was already rotated came back later: stolen or replayed; the session is gone. */
  | { outcome: 'reused' }
  /** No such session (expired, logged out, revoked) or a token it never issued. */
  | { outcome: 'invalid' };

/**
 * One atomic step, so two concurrent refreshes with the same token cannot both win, and the
 * loser finds the winner's answer already there (it is stored in the same step).
 * Hash fields: userId, refresh (hash of the current token), rotated:<hash> for each retired one.
 * KEYS: the session, the retry answer of the presented token. ARGV: presented hash, next
 * hash, sealed answer, retry window (ms).
 */
const ROTATE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {'invalid'} end
if redis.call('HGET', KEYS[1], 'refresh') == ARGV[1] then
  redis.call('HSET', KEYS[1], 'refresh', ARGV[2], 'rotated:' .. ARGV[1], '1')
  redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
  return {'rotated'}
end
if redis.call('HEXISTS', KEYS[1], 'rotated:' .. ARGV[1]) == 1 then
  local answer = redis.call('GET', KEYS[2])
  if answer then return {'retried', answer} end
  redis.call('DEL', KEYS[1])
  return {'reused'}
end
return {'invalid'}
`;

/** Where a rotation keeps its answer for a retry of the same request (a few seconds). */
const retryAnswerKey = (sessionId: string, presentedHash: string) => `session-retry:${sessionId}:${presentedHash}`;

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

  /** The user a live session belongs to, or undefined. */
  async userOf(sessionId: string): Promise<string | undefined> {
    return (await this.redis.hget(sessionKey(sessionId), 'userId')) ?? undefined;
  }

  /**
   * Retires the presented token for the next one; the sealed answer (the new pair) is kept
   * for `retryWindowMs` for a retry of the same request.
   */
  async rotate(sessionId: string, presentedHash: string, nextHash: string, sealedAnswer: string, retryWindowMs: number): Promise<RotationOutcome> {
    const keys = [sessionKey(sessionId), retryAnswerKey(sessionId, presentedHash)];
    const [outcome, answer] = (await this.redis.eval(ROTATE, keys.length, ...keys, presentedHash, nextHash, sealedAnswer, retryWindowMs)) as string[];
    if (outcome === 'rotated' || outcome === 'reused') return { outcome };
    if (outcome === 'retried') return { outcome, answer };
    return { outcome: 'invalid' };
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
