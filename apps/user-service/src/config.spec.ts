import { ConfigError, loadConfig } from '@ecotrack/platform';
import { generateKeyPairSync } from 'node:crypto';
import { parseDuration, userConfig } from './config';

const platform = {
  DATABASE_URL: 'postgres://user_service:pw@127.0.0.1:5432/ecotrack_user',
  REDIS_URL: 'redis://:pw@127.0.0.1:6379',
  KAFKA_BROKERS: '127.0.0.1:9092',
};
const platformTest = { ...platform, NODE_ENV: 'test' };
const ecPem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const rsaPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(userConfig(env), env);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
}

describe('user-service config', () => {
  it('refuses to start in production without a signing key, naming the variable', () => {
    expect(problems(platform)).toEqual([expect.stringMatching(/^JWT_SIGNING_KEY_PEM: required in production: .*JWT_SIGNING_KEY_FILE/)]);
  });

  it('needs no key in production with OpenBao: the key ring there signs', () => {
    expect(problems({ ...platform, OPENBAO_ADDR: 'http://127.0.0.1:8200' })).toEqual([]);
  });

  it('lets development and test run without a key (ephemeral key at start-up)', () => {
    expect(problems({ ...platform, NODE_ENV: 'development' })).toEqual([]);
    expect(problems({ ...platform, NODE_ENV: 'test' })).toEqual([]);
  });

  it('accepts an EC P-256 PKCS8 key with its kid, also with escaped newlines; applies defaults', () => {
    const env = { ...platform, JWT_SIGNING_KEY_PEM: ecPem.replace(/\n/g, '\\n'), JWT_SIGNING_KEY_ID: 'user-2025-11' };
    expect(problems(env)).toEqual([]);
    expect(loadConfig(userConfig(env), env)).toMatchObject({
      JWT_ISSUER: 'urn:ecotrack:user-service',
      JWT_AUDIENCE: 'ecotrack',
      JWT_ACCESS_TOKEN_TTL_SECONDS: 900,
    });
  });

  it('names what is wrong with a key without echoing it', () => {
    const found = problems({ ...platform, JWT_SIGNING_KEY_PEM: rsaPem, JWT_SIGNING_KEY_ID: 'k' });
    expect(found).toEqual(['JWT_SIGNING_KEY_PEM: expected an EC P-256 key (tokens are signed ES256)']);
    expect(problems({ ...platform, JWT_SIGNING_KEY_PEM: 'hunter2' }).join('\n')).not.toContain('hunter2');
  });

  it('requires the kid with a key, and one key source only', () => {
    expect(problems({ ...platform, JWT_SIGNING_KEY_PEM: ecPem })).toEqual(['JWT_SIGNING_KEY_ID: is required but not set']);
    expect(problems({ ...platform, JWT_SIGNING_KEY_PEM: ecPem, JWT_SIGNING_KEY_FILE: '/k.pem', JWT_SIGNING_KEY_ID: 'k' })).toEqual([
      expect.stringMatching(/^JWT_SIGNING_KEY_FILE: set either/),
    ]);
    expect(problems({ ...platform, JWT_SIGNING_KEY_FILE: '/nonexistent/key.pem', JWT_SIGNING_KEY_ID: 'k' })).toEqual([
      'JWT_SIGNING_KEY_FILE: cannot read the file (ENOENT)',
    ]);
  });

  it('reads the key-ring schedule as durations, with defaults (7 days, 10 min, 5 min, 30 s)', () => {
    expect(loadConfig(userConfig(platformTest), platformTest)).toMatchObject({
      JWT_SIGNING_KEY_ROTATION_INTERVAL: 7 * 86_400_000,
      JWT_SIGNING_KEY_PROPAGATION_DELAY: 600_000,
      JWT_SIGNING_KEY_RETIREMENT_MARGIN: 300_000,
      JWT_KEY_RING_REFRESH_MS: 30_000,
    });
    const env = {
      ...platformTest,
      JWT_SIGNING_KEY_ROTATION_INTERVAL: '12h',
      JWT_SIGNING_KEY_PROPAGATION_DELAY: '90',
      JWT_SIGNING_KEY_RETIREMENT_MARGIN: '1500ms',
      JWT_KEY_RING_REFRESH_MS: '250',
    };
    expect(loadConfig(userConfig(env), env)).toMatchObject({
      JWT_SIGNING_KEY_ROTATION_INTERVAL: 12 * 3_600_000,
      JWT_SIGNING_KEY_PROPAGATION_DELAY: 90_000,
      JWT_SIGNING_KEY_RETIREMENT_MARGIN: 1_500,
      JWT_KEY_RING_REFRESH_MS: 250,
    });
    expect([parseDuration('7d'), parseDuration('1.5s'), parseDuration('2 m'), parseDuration('soon'), parseDuration('-1s')]).toEqual([
      604_800_000,
      1_500,
      120_000,
      undefined,
      undefined,
    ]);
  });

  it('refuses a schedule out of order: a key must reach every replica before it signs, and not be replaced before', () => {
    expect(problems({ ...platformTest, JWT_SIGNING_KEY_ROTATION_INTERVAL: 'weekly' })).toEqual([
      expect.stringMatching(/^JWT_SIGNING_KEY_ROTATION_INTERVAL: expected a duration/),
    ]);
    expect(problems({ ...platformTest, JWT_SIGNING_KEY_PROPAGATION_DELAY: '10s', JWT_KEY_RING_REFRESH_MS: '30000' })).toEqual([
      expect.stringMatching(/^JWT_SIGNING_KEY_PROPAGATION_DELAY: must be at least JWT_KEY_RING_REFRESH_MS/),
    ]);
    expect(problems({ ...platformTest, JWT_SIGNING_KEY_ROTATION_INTERVAL: '10m' })).toEqual([
      expect.stringMatching(/^JWT_SIGNING_KEY_ROTATION_INTERVAL: must be longer than JWT_SIGNING_KEY_PROPAGATION_DELAY/),
    ]);
    expect(problems({ ...platformTest, JWT_KEY_RING_REFRESH_MS: '10' })).toEqual([expect.stringMatching(/^JWT_KEY_RING_REFRESH_MS/)]);
  });

  it('accepts only public keys as previous keys', () => {
    const env = { ...platform, NODE_ENV: 'test' };
    const publicJwk = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'old' };
    expect(problems({ ...env, JWT_PREVIOUS_PUBLIC_KEYS: JSON.stringify({ keys: [publicJwk] }) })).toEqual([]);
    expect(problems({ ...env, JWT_PREVIOUS_PUBLIC_KEYS: JSON.stringify([{ ...publicJwk, d: 'secret' }]) })).toEqual([
      expect.stringMatching(/^JWT_PREVIOUS_PUBLIC_KEYS.*public keys only/),
    ]);
    expect(problems({ ...env, JWT_PREVIOUS_PUBLIC_KEYS: '{nope' })).toEqual([expect.stringMatching(/^JWT_PREVIOUS_PUBLIC_KEYS: expected JSON/)]);
  });
});
