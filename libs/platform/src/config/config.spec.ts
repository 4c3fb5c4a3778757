import { z } from 'zod';
import { ConfigError, loadConfig } from './config';

const valid = {
  DATABASE_URL: 'postgres://svc:pw@127.0.0.1:5432/ecotrack_product',
  REDIS_URL: 'redis://:pw@127.0.0.1:6379',
  KAFKA_BROKERS: '127.0.0.1:9092, broker-2:9092',
};

function problemsOf(env: NodeJS.ProcessEnv, extension = {}): string[] {
  try {
    loadConfig(extension, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('parses a valid environment and applies production defaults', () => {
    const config = loadConfig({}, valid);
    expect(config.KAFKA_BROKERS).toEqual(['127.0.0.1:9092', 'broker-2:9092']);
    expect(config.NODE_ENV).toBe('production');
    expect(config.SHUTDOWN_GRACE_PERIOD_MS).toBe(25_000);
    expect(config.HTTP_BODY_LIMIT_BYTES).toBe(1_048_576);
  });

  it('DATABASE_SLOW_QUERY_MS: 500 by default, a whole number of milliseconds from 1', () => {
    expect(loadConfig({}, valid).DATABASE_SLOW_QUERY_MS).toBe(500);
    expect(loadConfig({}, { ...valid, DATABASE_SLOW_QUERY_MS: '25' }).DATABASE_SLOW_QUERY_MS).toBe(25);
    for (const bad of ['0', '-5', '1.5', 'slow']) expect(problemsOf({ ...valid, DATABASE_SLOW_QUERY_MS: bad })).toEqual([expect.stringMatching(/^DATABASE_SLOW_QUERY_MS: /)]);
  });

  it('names a missing variable', () => {
    const { DATABASE_URL: _omitted, ...env } = valid;
    expect(problemsOf(env)).toEqual(['DATABASE_URL: is required but not set']);
  });

  it('names each invalid variable and says why, without echoing the value', () => {
    const secret = 'mysql://root:hunter2@db/x';
    const problems = problemsOf({ ...valid, DATABASE_URL: secret, PORT: 'eighty', KAFKA_BROKERS: 'no-port' });
    expect(problems).toHaveLength(3);
    expect(problems.find((p) => p.startsWith('DATABASE_URL:'))).toMatch(/postgres:\/\//);
    expect(problems.find((p) => p.startsWith('PORT:'))).toBeDefined();
    expect(problems.find((p) => p.startsWith('KAFKA_BROKERS:'))).toMatch(/host:port/);
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('validates a service extension together with the platform variables', () => {
    const extension = { PRODUCT_SERVICE_URL: z.string().url() };
    expect(problemsOf({ ...valid, PRODUCT_SERVICE_URL: 'not a url' }, extension)).toEqual([
      expect.stringMatching(/^PRODUCT_SERVICE_URL: /),
    ]);
    expect(loadConfig(extension, { ...valid, PRODUCT_SERVICE_URL: 'http://p:3002' }).PRODUCT_SERVICE_URL).toBe('http://p:3002');
  });
});
