import type Redis from 'ioredis';

/**
 * Tells whether a login session still holds. user-service owns the sessions;
 * any service sharing its Redis can answer by looking the key up.
 */
export interface SessionRevocation {
  isRevoked(sessionId: string): Promise<boolean>;
}

export const SESSION_REVOCATION = Symbol('SESSION_REVOCATION');

/** The one Redis key of a live session; deleted on logout or reuse detection, expires with the session. */
export const sessionKey = (sessionId: string) => `session:${sessionId}`;

/** Revocation as other services see it: the session key is gone. */
export class RedisSessionRevocation implements SessionRevocation {
  constructor(private readonly redis: Redis) {}

  async isRevoked(sessionId: string): Promise<boolean> {
    return (await this.redis.exists(sessionKey(sessionId))) === 0;
  }
}
