import { ACCESS_TOKEN_TYPE, DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER, sessionKey } from '@ecotrack/platform';
import Redis from 'ioredis';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestIdentity {
  /** Where a service under test fetches the signing keys (a real HTTP JWKS endpoint). */
  jwksUrl: string;
  /** An access token as user-service issues them, with a live session in Redis. */
  token(roles?: string[], userId?: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * A token issuer for tests of services that verify tokens: its own ES256 key,
 * published over HTTP like user-service's JWKS, and sessions written to the
 * same Redis keys user-service uses, so the guard's revocation check runs for real.
 */
export async function startTestIdentity(redisUrl: string): Promise<TestIdentity> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const kid = `test-${randomUUID()}`;
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref(); // never what keeps a test process alive
  const sessions: string[] = [];
  const withRedis = async (work: (redis: Redis) => Promise<unknown>) => {
    const redis = new Redis(redisUrl, { lazyConnect: true });
    await redis.connect();
    try {
      await work(redis);
    } finally {
      await redis.quit();
    }
  };

  return {
    jwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
    async token(roles = ['customer'], userId = randomUUID()) {
      const sid = randomUUID();
      sessions.push(sessionKey(sid));
      await withRedis((redis) => redis.set(sessionKey(sid), 'test-session', 'EX', 3600));
      return new SignJWT({ roles, sid })
        .setProtectedHeader({ alg: 'ES256', kid, typ: ACCESS_TOKEN_TYPE })
        .setSubject(userId)
        .setIssuer(DEFAULT_JWT_ISSUER)
        .setAudience(DEFAULT_JWT_AUDIENCE)
        .setIssuedAt()
        .setJti(randomUUID())
        .setExpirationTime('10m')
        .sign(privateKey);
    },
    async close() {
      if (sessions.length) await withRedis((redis) => redis.del(...sessions));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
