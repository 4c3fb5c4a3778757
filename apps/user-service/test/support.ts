import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { REDIS } from '@ecotrack/platform';
import { openBaoSecretSource } from '@ecotrack/secrets';
import { startInProcess } from '@ecotrack/testing';
import type Redis from 'ioredis';
import { exportJWK, exportPKCS8, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module';
import { userConfig } from '../src/config';
import { service } from '../src/service';

export const PASSWORD = 'correct horse battery staple';

/** A key pair the test owns: the service signs with it, so the test can forge tokens "from" it. */
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

/** A token signed with `key`; by default one the service would issue itself. */
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

export const countUsers = async (db: DataSource) => Number((await db.query('SELECT count(*)::int AS n FROM users'))[0].n);
export const countSessions = async (redis: Redis) => (await redis.keys('session:*')).length;
