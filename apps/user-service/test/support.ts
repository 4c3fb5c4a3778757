import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { REDIS } from '@ecotrack/platform';
import { openBaoSecretSource } from '@ecotrack/secrets';
import { startInProcess, newTestKey, type TestKey } from '@ecotrack/testing';
import type Redis from 'ioredis';
import { exportJWK, type JWK } from 'jose';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module';
import { userConfig } from '../src/config';
import { service } from '../src/service';

export const PASSWORD = 'correct horse battery staple';

// The test's own signing keys and token forgeries live in libs/testing (the e2e tests forge tokens too).
export { newTestKey, signToken, type TestKey } from '@ecotrack/testing';

export const publicJwk = async (key: TestKey): Promise<JWK> => ({ ...(await exportJWK(key.publicKey)), kid: key.kid });

export interface UserServiceUnderTest {
  app: NestFastifyApplication;
  db: DataSource;
  redis: Redis;
  key: TestKey;
}

export async function startUserService(overrides: Record<string, string> = {}): Promise<UserServiceUnderTest> {
  const key = await newTestKey();
  const env = { NODE_ENV: 'test', JWT_SIGNING_KEY_PEM: key.pem, JWT_SIGNING_KEY_ID: key.kid, ...overrides };
  // OpenBao (AppRole user-service): personal fields are encrypted with its transit key. DATABASE_URL
  // carries a password, so the database login stays the static one.
  const app = await startInProcess({ ...service, module: AppModule, config: userConfig(env), secrets: openBaoSecretSource }, process.env as Record<string, string>, env);
  return { app, db: app.get(DataSource), redis: app.get(REDIS), key };
}

export const uniqueEmail = (tag: string) => `${tag}-${randomUUID()}@example.org`;

export const countUsers = async (db: DataSource) => Number((await db.query('SELECT count(*)::int AS n FROM users'))[0].n);
export const countSessions = async (redis: Redis) => (await redis.keys('session:*')).length;

/**
 * user-service for one test file: started before its tests and closed after them; the accounts
 * registered through `register` are deleted then.
 */
export function userServiceForSuite(overrides: Record<string, string> = {}) {
  let running: UserServiceUnderTest | undefined;
  const emails: string[] = [];
  beforeAll(async () => {
    running = await startUserService(overrides);
  }, 60_000);
  afterAll(async () => {
    await running?.db.query('DELETE FROM users WHERE email = ANY($1)', [emails]);
    await running?.app.close();
  });
  return {
    get sut(): UserServiceUnderTest {
      return running!;
    },
    register(email: string, options: { password?: string; remoteAddress?: string } = {}) {
      emails.push(email.toLowerCase());
      const payload = { email, displayName: 'Test user', password: options.password ?? PASSWORD };
      return running!.app.inject({ method: 'POST', url: '/v1/users', payload, remoteAddress: options.remoteAddress });
    },
  };
}
