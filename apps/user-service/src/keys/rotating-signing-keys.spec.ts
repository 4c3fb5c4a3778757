import { TokenVerifier } from '@ecotrack/platform';
import { CasConflict, SecretsMetrics } from '@ecotrack/secrets';
import { decodeProtectedHeader } from 'jose';
import { AccessTokenIssuer } from './access-token.issuer';
import type { KeyRingData } from './key-ring';
import { RotatingSigningKeys, type RingSchedule, type RingStore } from './rotating-signing-keys';
import type { UserConfig } from '../config';

const PATH = 'ecotrack/test/user-service/jwt-signing-keys';
const second = 1_000;

/** KV v2 in memory: versions and check-and-set as OpenBao does them. */
class FakeKv implements RingStore {
  version = 0;
  data: unknown;
  writes = 0;
  failure: Error | undefined;

  async read<T>(path: string) {
    expect(path).toBe(PATH);
    await Promise.resolve();
    return this.version ? { data: structuredClone(this.data) as T, version: this.version } : undefined;
  }

  async writeIfUnchanged<T>(path: string, data: T, expectedVersion: number): Promise<number> {
    await Promise.resolve();
    if (this.failure) throw this.failure;
    if (expectedVersion !== this.version) throw new CasConflict(path, expectedVersion);
    this.writes++;
    this.data = structuredClone(data);
    return ++this.version;
  }

  get ring(): KeyRingData {
    return this.data as KeyRingData;
  }
}

/** Tokens live 10 s; keys rotate every 60 s, are published 5 s before they sign and retire 10 s + 2 s after their successor signs. The timer stays out of the way (1 h): the tests call refresh and maintain. */
const schedule: RingSchedule = { rotationIntervalMs: 60 * second, propagationDelayMs: 5 * second, retireAfterMs: 12 * second, refreshMs: 3_600 * second };
const userConfig = { JWT_ISSUER: 'urn:ecotrack:user-service', JWT_AUDIENCE: 'ecotrack', JWT_ACCESS_TOKEN_TTL_SECONDS: 10 } as UserConfig;

describe('rotating signing keys (the OpenBao key ring)', () => {
  let clock: number;
  let kv: FakeKv;
  const logs: string[] = [];
  const started: RotatingSigningKeys[] = [];

  const replica = async (metrics = new SecretsMetrics()) => {
    const logger = { log: (m: string) => logs.push(m), warn: (m: string) => logs.push(m), debug: (m: string) => logs.push(m) };
    const keys = await RotatingSigningKeys.start({ store: kv, path: PATH, metrics, logger, schedule: () => schedule, now: () => clock });
    started.push(keys);
    return keys;
  };
  const kids = (keys: RotatingSigningKeys) => keys.jwks.keys.map((jwk) => jwk.kid);
  const rotations = async (metrics: SecretsMetrics) =>
    Object.fromEntries(
      (await metrics.rotations.get()).values
        .filter((v) => v.labels.kind === 'jwt_signing_key' && v.value > 0)
        .map((v) => [`${v.labels.kind}:${v.labels.result}`, v.value]),
    );
  const issue = (keys: RotatingSigningKeys) => new AccessTokenIssuer(userConfig, keys).issue({ userId: 'u-1', roles: ['customer'], sessionId: 's-1' });

  beforeEach(() => {
    clock = Date.parse('2025-11-01T00:00:00Z');
    kv = new FakeKv();
    logs.length = 0;
  });

  afterEach(async () => {
    await Promise.all(started.splice(0).map((keys) => keys.close()));
  });

  it('creates the first key of an empty ring (check-and-set on version 0); it signs at once', async () => {
    const metrics = new SecretsMetrics();
    const keys = await replica(metrics);
    expect(kv.version).toBe(1);
    expect(kv.ring.keys).toEqual([
      { kid: expect.stringMatching(/^user-/), private_key_pem: expect.stringContaining('BEGIN PRIVATE KEY'), created_at: '2025-11-01T00:00:00.000Z', active_from: '2025-11-01T00:00:00.000Z' },
    ]);
    expect(keys.current.kid).toBe(kv.ring.keys[0].kid);
    expect(keys.jwks.keys).toEqual([expect.objectContaining({ kid: keys.current.kid, kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' })]);
    expect(keys.jwks.keys[0]).not.toHaveProperty('d');
    expect(await rotations(metrics)).toEqual({ 'jwt_signing_key:success': 1 });
  });

  it('of replicas starting together on an empty ring, one creates the key and the others read it', async () => {
    const replicas = await Promise.all([replica(), replica(), replica()]);
    expect(kv.writes).toBe(1);
    expect(new Set(replicas.map((keys) => keys.current.kid)).size).toBe(1);
  });

  it('rotates on schedule: the new key is published first, signs after the delay; tokens of the old one verify until they expire', async () => {
    const metrics = new SecretsMetrics();
    const keys = await replica(metrics);
    const verifier = new TokenVerifier({ issuer: userConfig.JWT_ISSUER, audience: 'ecotrack', keys: { keySet: keys.localKeySet() }, clockToleranceSeconds: 0 });
    const k1 = keys.current.kid;

    clock += 59 * second;
    await keys.maintain();
    expect(kids(keys)).toEqual([k1]); // not due yet

    clock += 1 * second;
    await keys.maintain();
    const k2 = kv.ring.keys[1].kid;
    expect(kids(keys)).toEqual([k1, k2]); // published before it signs
    expect(keys.current.kid).toBe(k1);
    expect(kv.ring.keys[1].active_from).toBe(new Date(clock + 5 * second).toISOString());
    expect(await rotations(metrics)).toEqual({ 'jwt_signing_key:success': 2 });

    clock += 5 * second - 1;
    const signedWithK1 = await issue(keys);
    expect(decodeProtectedHeader(signedWithK1).kid).toBe(k1);
    clock += 1;
    const signedWithK2 = await issue(keys);
    expect(decodeProtectedHeader(signedWithK2).kid).toBe(k2);

    // The verifier built at start-up follows the ring: both verify (jose checks exp against the real clock).
    await expect(verifier.verify(signedWithK1)).resolves.toMatchObject({ id: 'u-1' });
    await expect(verifier.verify(signedWithK2)).resolves.toMatchObject({ id: 'u-1' });

    // k1 retires 12 s after k2 took over: gone from the JWKS at once, from the ring at the next maintenance.
    clock += 12 * second - 1;
    expect(kids(keys)).toEqual([k1, k2]);
    clock += 1;
    expect(kids(keys)).toEqual([k2]);
    await expect(verifier.verify(signedWithK1)).rejects.toThrow('unknown signing key');
    expect(kv.ring.keys).toHaveLength(2);
    await keys.maintain();
    expect(kv.ring.keys.map((key) => key.kid)).toEqual([k2]);
  });

  it('of replicas rotating at the same moment, exactly one writes a new key; the others re-read it', async () => {
    const metrics = [new SecretsMetrics(), new SecretsMetrics(), new SecretsMetrics()];
    const replicas = [await replica(metrics[0]), await replica(metrics[1]), await replica(metrics[2])];
    clock += 60 * second;
    await Promise.all(replicas.map((keys) => keys.maintain()));
    expect(kv.ring.keys).toHaveLength(2);
    expect(kv.writes).toBe(2);
    for (const keys of replicas) expect(kids(keys)).toEqual(kv.ring.keys.map((key) => key.kid));
    const results = await Promise.all(metrics.map(rotations));
    // the first replica created the ring; of the rotation, one success and no failure in all
    expect(results.reduce((sum, r) => sum + (r['jwt_signing_key:success'] ?? 0), 0)).toBe(2);
    expect(results.every((r) => !r['jwt_signing_key:failure'])).toBe(true);
  });

  it('a replica learns of another one rotation when it refreshes', async () => {
    const a = await replica();
    const b = await replica();
    clock += 60 * second;
    await a.maintain();
    expect(kids(b)).toHaveLength(1);
    expect(await b.refresh()).toBe(true);
    expect(kids(b)).toEqual(kids(a));
    expect(await b.refresh()).toBe(false);
  });

  it('counts a failed rotation and keeps signing with the key it has', async () => {
    const metrics = new SecretsMetrics();
    const keys = await replica(metrics);
    const k1 = keys.current.kid;
    clock += 60 * second;
    kv.failure = new Error('OpenBao unavailable');
    await expect(keys.maintain()).rejects.toThrow('OpenBao unavailable');
    expect(await rotations(metrics)).toEqual({ 'jwt_signing_key:success': 1, 'jwt_signing_key:failure': 1 });
    expect(keys.current.kid).toBe(k1);
    kv.failure = undefined;
    await keys.maintain();
    expect(kids(keys)).toHaveLength(2);
  });

  it('refuses to start without a key: an empty ring it cannot write', async () => {
    kv.failure = new Error('permission denied (403)');
    await expect(replica()).rejects.toThrow(/no JWT signing key in OpenBao at .*jwt-signing-keys: permission denied/);
  });

  it('reports the age of the key in use', async () => {
    const metrics = new SecretsMetrics();
    const keys = await replica(metrics);
    clock += 30 * second;
    await (keys as unknown as { tick(): Promise<void> }).tick();
    expect((await metrics.signingKeyAge.get()).values[0].value).toBe(30);
  });

  it('never logs key material', async () => {
    const keys = await replica();
    clock += 60 * second;
    await keys.maintain();
    clock += 30 * second;
    await keys.maintain();
    expect(logs.length).toBeGreaterThan(0);
    const logged = logs.join('\n');
    for (const key of kv.ring.keys) expect(logged).not.toContain(key.private_key_pem.split('\n')[1]);
    expect(logged).not.toContain('PRIVATE KEY');
  });
});
