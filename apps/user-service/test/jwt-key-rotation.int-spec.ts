import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SECRET_SOURCE } from '@ecotrack/core';
import { TokenVerifier } from '@ecotrack/platform';
import { OpenBaoSecrets, openBaoSecretSource, openBaoSettings } from '@ecotrack/secrets';
import { freePort, serviceEnv, spawnService, startInProcess, type ServiceProcess, waitUntil } from '@ecotrack/testing';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, type JWK } from 'jose';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module';
import { userConfig } from '../src/config';
import type { KeyRingData } from '../src/keys/key-ring';
import { KEY_RING_ENTRY } from '../src/keys/keys.module';
import { RotatingSigningKeys } from '../src/keys/rotating-signing-keys';
import { SigningKeys } from '../src/keys/signing-keys';
import { service } from '../src/service';
import { PASSWORD, uniqueEmail } from './support';

/**
 * JWT signing key rotation against the real OpenBao (AppRole of user-service,
 * its policy on ecotrack/+/user-service/jwt-signing-keys), PostgreSQL and
 * Redis. Each suite uses an environment of its own (ecotrack/<environment>/...),
 * so its ring starts empty and runs do not meet.
 */
const infra = () => process.env as Record<string, string>;
const newEnvironment = () => `test-${randomUUID().slice(0, 8)}`;
const ISSUER = 'urn:ecotrack:user-service';

/** user-service in OpenBao mode (no JWT_SIGNING_KEY_*; NODE_ENV defaults to production). */
const startInOpenBaoMode = (environment: string, overrides: Record<string, string> = {}) =>
  startInProcess({ ...service, module: AppModule, config: userConfig, secrets: openBaoSecretSource }, infra(), {
    OPENBAO_ENVIRONMENT: environment,
    ...overrides,
  });

/** The test's own OpenBao session as user-service, to look at the ring the way the service stores it. */
async function ringReader(environment: string) {
  const settings = openBaoSettings({ ...serviceEnv(infra(), 'user-service'), OPENBAO_ENVIRONMENT: environment }, 'user-service')!;
  const bao = await OpenBaoSecrets.connect(settings, { databaseCredentials: false });
  const path = `${settings.kvPath}/${KEY_RING_ENTRY}`;
  return {
    path,
    bao,
    read: () => bao.kv.read<KeyRingData>(path),
    close: () => bao.close(),
  };
}

// The waits of this file: 20 s each, within the tests' own timeouts.
const WAIT = { timeoutMs: 20_000 };

function http(app: NestFastifyApplication) {
  const jwks = async () => (await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json<{ keys: JWK[] }>();
  return {
    jwks,
    kids: async () => (await jwks()).keys.map((key) => key.kid),
    register: async (email: string) => {
      const response = await app.inject({ method: 'POST', url: '/v1/users', payload: { email, displayName: 'Key Rotation', password: PASSWORD } });
      expect(response.statusCode).toBe(201);
    },
    login: async (email: string) => {
      const response = await app.inject({ method: 'POST', url: '/v1/sessions', payload: { email, password: PASSWORD } });
      expect(response.statusCode).toBe(201);
      return response.json<{ accessToken: string }>().accessToken;
    },
    me: (token: string) => app.inject({ method: 'GET', url: '/v1/users/me', headers: { authorization: `Bearer ${token}` } }),
    metrics: async () => (await app.inject({ method: 'GET', url: '/metrics' })).body,
  };
}

const kidOf = (token: string) => decodeProtectedHeader(token).kid;

/** The value and the wall-clock interval in which it was obtained. */
async function timed<T>(work: () => Promise<T>): Promise<{ value: T; started: number; finished: number }> {
  const started = Date.now();
  const value = await work();
  return { value, started, finished: Date.now() };
}

describe('JWT signing key rotation (OpenBao key ring)', () => {
  const emails: string[] = [];
  const apps: NestFastifyApplication[] = [];
  const readers: Array<{ close(): Promise<void> }> = [];

  afterAll(async () => {
    const db = apps[0]?.get(DataSource);
    if (db && emails.length) await db.query('DELETE FROM users WHERE email = ANY($1)', [emails]);
    await Promise.all(apps.map((app) => app.close()));
    await Promise.all(readers.map((reader) => reader.close()));
  });

  it('rotates on schedule: tokens signed before keep working until they expire, new tokens carry the new kid, the old key leaves the JWKS after', async () => {
    // Tokens live 6 s; a key is replaced when 6 s old, published 3 s before it signs, and
    // leaves 6 s + 1 s after its successor took over. Every replica re-reads the ring every 200 ms.
    const environment = newEnvironment();
    const app = await startInOpenBaoMode(environment, {
      JWT_ACCESS_TOKEN_TTL_SECONDS: '6',
      JWT_SIGNING_KEY_ROTATION_INTERVAL: '6s',
      JWT_SIGNING_KEY_PROPAGATION_DELAY: '3s',
      JWT_SIGNING_KEY_RETIREMENT_MARGIN: '1s',
      JWT_KEY_RING_REFRESH_MS: '200',
    });
    apps.push(app);
    const api = http(app);
    const reader = await ringReader(environment);
    readers.push(reader);
    const keys = app.get(SigningKeys);
    expect(keys).toBeInstanceOf(RotatingSigningKeys);
    const ring = keys as RotatingSigningKeys;

    // (a) the first key: created in the empty ring at start-up, signs at once
    const stored = await reader.read();
    expect(stored?.data.keys).toEqual([
      expect.objectContaining({ kid: expect.stringMatching(/^user-/), private_key_pem: expect.stringContaining('BEGIN PRIVATE KEY') }),
    ]);
    const k1 = stored!.data.keys[0].kid;
    expect(await api.kids()).toEqual([k1]);
    const email = uniqueEmail('rotation');
    emails.push(email);
    await api.register(email);
    // Accounts to take turns logging in around the switch below (each may log in only so often a minute).
    const samplers = [email, uniqueEmail('rotation'), uniqueEmail('rotation')];
    for (const sampler of samplers.slice(1)) {
      emails.push(sampler);
      await api.register(sampler);
    }
    let signedWithK1 = await api.login(email);
    expect(kidOf(signedWithK1)).toBe(k1);

    // Another service's verifier: the JWKS over HTTP, cached, refetched on an unknown kid.
    await app.listen(0, '127.0.0.1');
    const remote = new TokenVerifier({ issuer: ISSUER, audience: 'ecotrack', keys: { jwksUrl: `${await app.getUrl()}/.well-known/jwks.json`, cooldownMs: 0 } });
    await expect(remote.verify(await api.login(email))).resolves.toMatchObject({ roles: ['customer'] });

    // (b) rotation: k2 is published before it signs ...
    const published = await waitUntil('a second key in the JWKS', () => api.kids(), (kids) => kids.length === 2, WAIT);
    expect(published[0]).toBe(k1);
    const k2 = published[1];
    const k2ActiveFrom = Date.parse(ring.keyIds.find((key) => key.kid === k2)!.activeFrom);
    const k2Stored = (await reader.read())!.data.keys.find((key) => key.kid === k2)!;
    expect(Date.parse(k2Stored.active_from) - Date.parse(k2Stored.created_at)).toBe(3_000);

    // ... so meanwhile k1 still signs, and once k2 is active, new tokens carry it. Each login is
    // judged by when it ran, not by when the test hoped to run it (a busy machine can stall a
    // request across the switch; one that straddles it may carry either key).
    let signedBeforeSwitch = 0;
    let signedWithK2: string | undefined;
    for (let sample = 0; !signedWithK2; sample++) {
      const { value: token, started, finished } = await timed(() => api.login(samplers[sample % samplers.length]));
      if (finished < k2ActiveFrom) {
        expect(kidOf(token)).toBe(k1);
        signedWithK1 = token;
        signedBeforeSwitch++;
      } else if (started >= k2ActiveFrom) {
        expect(kidOf(token)).toBe(k2);
        signedWithK2 = token;
      }
      await sleep(250);
    }
    expect(signedBeforeSwitch).toBeGreaterThan(0); // k2 was published 3 s before it signed

    // the k1 token keeps working: on user-service itself and for any verifier of the JWKS
    expect((await api.me(signedWithK1)).statusCode).toBe(200);
    expect((await api.me(signedWithK2)).statusCode).toBe(200);
    const fromJwks = new TokenVerifier({ issuer: ISSUER, audience: 'ecotrack', keys: { keySet: createLocalJWKSet(await api.jwks()) } });
    await expect(fromJwks.verify(signedWithK1)).resolves.toMatchObject({ roles: ['customer'] });
    await expect(fromJwks.verify(signedWithK2)).resolves.toMatchObject({ roles: ['customer'] });
    await expect(remote.verify(signedWithK1)).resolves.toMatchObject({ roles: ['customer'] });
    await expect(remote.verify(signedWithK2)).resolves.toMatchObject({ roles: ['customer'] });

    const metrics = await api.metrics();
    expect(metrics).toMatch(/ecotrack_secrets_rotations_total\{[^}]*kind="jwt_signing_key",result="success"[^}]*\} [2-9]/);
    expect(metrics).toMatch(/ecotrack_secrets_jwt_signing_key_age_seconds\{[^}]*\} \d/);

    // ... until it expires (k1 is still published right up to then): every look that ended before
    // the token's expiry finds it accepted and k1 in the JWKS.
    const k1TokenExpiresAt = decodeJwt(signedWithK1).exp! * 1000;
    let looksBeforeExpiry = 0;
    while (Date.now() < k1TokenExpiresAt) {
      const { value: [kids, me], finished } = await timed(() => Promise.all([api.kids(), api.me(signedWithK1)]));
      if (finished < k1TokenExpiresAt) {
        expect(kids).toContain(k1);
        expect(me.statusCode).toBe(200);
        looksBeforeExpiry++;
      }
      await sleep(250);
    }
    expect(looksBeforeExpiry).toBeGreaterThan(0);

    // (c) after its retirement time (k2 active + TTL + margin), k1 is gone from the JWKS and the ring
    const k1RetiresAt = k2ActiveFrom + 6_000 + 1_000;
    await waitUntil('k1 to leave the JWKS', async () => !(await api.kids()).includes(k1), Boolean, WAIT);
    expect(Date.now()).toBeGreaterThanOrEqual(k1RetiresAt - 50);
    await waitUntil('k1 to leave the ring', async () => !(await reader.read())!.data.keys.some((key) => key.kid === k1), Boolean, WAIT);
    const late = await app.inject({ method: 'GET', url: '/v1/users/me', headers: { authorization: `Bearer ${signedWithK1}` } });
    expect(late.statusCode).toBe(401);
    expect(late.json().detail).toMatch(/expired|unknown signing key/);
    const afterRetirement = new TokenVerifier({ issuer: ISSUER, audience: 'ecotrack', keys: { keySet: createLocalJWKSet(await api.jwks()) } });
    await expect(afterRetirement.verify(signedWithK1)).rejects.toThrow(/expired|unknown signing key/);
    // the ring went on rotating: k2 and its successor(s)
    expect((await api.kids())[0]).toBe(k2);
  }, 60_000);

  it('of two instances rotating at the same moment, exactly one new key is written (check-and-set)', async () => {
    // No timer during the test (refresh 60 s); the test says when to rotate.
    const environment = newEnvironment();
    const settings = {
      JWT_SIGNING_KEY_ROTATION_INTERVAL: '1d',
      JWT_SIGNING_KEY_PROPAGATION_DELAY: '60s',
      JWT_KEY_RING_REFRESH_MS: '60000',
    };
    // Two replicas starting on an empty ring at once: one creates the first key, the other reads it.
    const [a, b] = await Promise.all([startInOpenBaoMode(environment, settings), startInOpenBaoMode(environment, settings)]);
    apps.push(a, b);
    const reader = await ringReader(environment);
    readers.push(reader);
    const first = (await reader.read())!;
    expect(first.version).toBe(1);
    expect(first.data.keys).toHaveLength(1);
    const [ringA, ringB] = [a.get(SigningKeys) as RotatingSigningKeys, b.get(SigningKeys) as RotatingSigningKeys];
    expect(ringA.current.kid).toBe(first.data.keys[0].kid);
    expect(ringB.current.kid).toBe(first.data.keys[0].kid);

    // The replicas have run for two days: the key is due on both.
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000).toISOString();
    await reader.bao.kv.writeIfUnchanged<KeyRingData>(reader.path, { keys: [{ ...first.data.keys[0], created_at: twoDaysAgo, active_from: twoDaysAgo }] }, 1);
    expect(await ringA.refresh()).toBe(true);
    expect(await ringB.refresh()).toBe(true);

    await Promise.all([ringA.maintain(), ringB.maintain()]);

    const after = (await reader.read())!;
    expect(after.version).toBe(3);
    expect(after.data.keys).toHaveLength(2);
    const kids = after.data.keys.map((key) => key.kid);
    // the loser re-read at once: both publish the same two keys and still sign with the first
    expect(await http(a).kids()).toEqual(kids);
    expect(await http(b).kids()).toEqual(kids);
    expect(ringA.current.kid).toBe(kids[0]);
    expect(ringB.current.kid).toBe(kids[0]);

    const counted = async (app: NestFastifyApplication) => {
      const values = (await (app.get(SECRET_SOURCE) as OpenBaoSecrets).metrics.rotations.get()).values;
      const of = (result: string) => values.find((v) => v.labels.kind === 'jwt_signing_key' && v.labels.result === result)?.value ?? 0;
      return { success: of('success'), failure: of('failure') };
    };
    const [countA, countB] = await Promise.all([counted(a), counted(b)]);
    expect(countA.success + countB.success).toBe(2); // the first key, and the one rotation
    expect(countA.failure + countB.failure).toBe(0);
  }, 60_000);

  describe('as a real process', () => {
    let proc: ServiceProcess | undefined;
    afterEach(async () => {
      await proc?.stop('SIGKILL');
      proc = undefined;
    });

    it('starts in production with no JWT_SIGNING_KEY_*, rotates, and never logs a private key', async () => {
      const environment = newEnvironment();
      const reader = await ringReader(environment);
      readers.push(reader);
      proc = spawnService('user-service', await freePort(), {
        ...serviceEnv(infra(), 'user-service'),
        NODE_ENV: 'production',
        LOG_LEVEL: 'trace',
        SHUTDOWN_DRAIN_DELAY_MS: '0',
        OPENBAO_ENVIRONMENT: environment,
        JWT_ACCESS_TOKEN_TTL_SECONDS: '2',
        JWT_SIGNING_KEY_ROTATION_INTERVAL: '2s',
        JWT_SIGNING_KEY_PROPAGATION_DELAY: '500ms',
        JWT_SIGNING_KEY_RETIREMENT_MARGIN: '0',
        JWT_KEY_RING_REFRESH_MS: '200',
      });
      await proc.waitUntilReady();

      // Every private key the ring ever held, while it rotates (and retires) a few times.
      const pems = new Set<string>();
      await waitUntil(
        'three rotations (four keys seen)',
        async () => {
          for (const key of (await reader.read())?.data.keys ?? []) pems.add(key.private_key_pem);
          return pems.size;
        },
        (seen) => seen >= 4,
        WAIT,
      );
      const { keys } = (await (await fetch(`${proc.baseUrl}/.well-known/jwks.json`)).json()) as { keys: JWK[] };
      expect(keys.length).toBeGreaterThanOrEqual(1);
      expect(keys.every((key) => !('d' in key))).toBe(true);
      await proc.stop('SIGTERM');

      const logs = [...proc.stdout, ...proc.stderr].join('\n');
      expect(logs).toMatch(/JWT key ring at \S+jwt-signing-keys created with key user-/);
      expect(logs).toMatch(/JWT signing key rotated: user-\S+ published, signs from/);
      expect(logs).not.toContain('PRIVATE KEY');
      for (const pem of pems) {
        const body = pem.split('\n').filter((line) => line && !line.startsWith('-----'));
        for (const line of body) expect(logs).not.toContain(line);
        expect(logs).not.toContain(body.join(''));
        expect(logs).not.toContain(JSON.stringify(pem).slice(1, 60));
      }
    }, 60_000);
  });
});
