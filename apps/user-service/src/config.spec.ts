import { ConfigError, loadConfig } from '@ecotrack/platform';
import { generateKeyPairSync } from 'node:crypto';
import { userConfig } from './config';

const platform = {
  DATABASE_URL: 'postgres://user_service:pw@127.0.0.1:5432/ecotrack_user',
  REDIS_URL: 'redis://:pw@127.0.0.1:6379',
  KAFKA_BROKERS: '127.0.0.1:9092',
};
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
