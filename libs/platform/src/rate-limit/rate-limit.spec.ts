import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { Registry } from 'prom-client';
import { RateLimiter } from './rate-limiter';
import { platformConfigSchema } from '../config/config';
import { callerSubject } from './rate-limit.interceptor';
import {
  hashApiKey,
  isExempt,
  isOverLimit,
  RATE_LIMITED_PROBLEM_TYPE,
  rateLimitedProblem,
  rateLimitHeaders,
  rateLimitKey,
  remaining,
  resetSeconds,
  tightest,
  type RateLimitDecision,
} from './rate-limit';

const decision = (count: number, ttlMs: number, limit = 5, kind: RateLimitDecision['kind'] = 'ip'): RateLimitDecision => ({ kind, limit, count, ttlMs });

describe('rate limit window math', () => {
  it('allows up to the limit and rejects past it', () => {
    expect(isOverLimit(decision(5, 1000))).toBe(false);
    expect(isOverLimit(decision(6, 1000))).toBe(true);
    expect(remaining(decision(3, 1000))).toBe(2);
    expect(remaining(decision(9, 1000))).toBe(0);
  });

  it('rounds the reset up to whole seconds, never below 1', () => {
    expect(resetSeconds(decision(1, 59_001))).toBe(60);
    expect(resetSeconds(decision(1, 1_000))).toBe(1);
    expect(resetSeconds(decision(1, 0))).toBe(1);
    expect(resetSeconds(decision(1, 1))).toBe(1);
  });

  it('sends Retry-After only when over the limit', () => {
    expect(rateLimitHeaders(decision(2, 30_500))).toEqual({ 'RateLimit-Limit': '5', 'RateLimit-Remaining': '3', 'RateLimit-Reset': '31' });
    expect(rateLimitHeaders(decision(7, 30_500))).toEqual({
      'RateLimit-Limit': '5',
      'RateLimit-Remaining': '0',
      'RateLimit-Reset': '31',
      'Retry-After': '31',
    });
  });

  it('reports the decision with the fewest requests left', () => {
    const ip = decision(10, 5_000, 300, 'ip');
    const user = decision(118, 20_000, 120, 'user');
    expect(tightest([ip, user])).toBe(user);
    expect(tightest([])).toBeUndefined();
  });

  it('says which limit was exceeded in a rate-limited problem', () => {
    const body = rateLimitedProblem(decision(121, 10_000, 120, 'user'), '/v1/x');
    expect(body).toMatchObject({ type: RATE_LIMITED_PROBLEM_TYPE, status: 429, title: 'Too Many Requests', limit: 'user', instance: '/v1/x' });
    expect(body.detail).toContain('user rate limit exceeded');
  });
});

describe('rate limit keys', () => {
  it('scopes counters by prefix, service, kind and subject', () => {
    expect(rateLimitKey('ratelimit', 'product-service', 'ip', '10.0.0.1')).toBe('ratelimit:product-service:ip:10.0.0.1');
  });

  it('never puts an API key in a key, only its hash', () => {
    const subject = callerSubject({ headers: { 'x-api-key': 'secret-key-123' } });
    expect(subject).toBe(`apikey:${hashApiKey('secret-key-123')}`);
    expect(subject).not.toContain('secret-key-123');
    expect(hashApiKey('secret-key-123')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('prefers the verified user over an API key', () => {
    const user = { id: 'u-1' } as never;
    expect(callerSubject({ user, headers: { 'x-api-key': 'k' } })).toBe('user:u-1');
    expect(callerSubject({ headers: {} })).toBeUndefined();
  });

  it.each([
    ['/health/live', true],
    ['/health/ready?x=1', true],
    ['/metrics', true],
    ['/docs', true],
    ['/docs/openapi.json', true],
    ['/docs/static/index.html', true],
    ['/v1/products', false],
    ['/metricsx', false],
    ['/healthz', false],
    ['/documents', false],
  ])('exempts %s: %s', (url, exempt) => {
    expect(isExempt(url)).toBe(exempt);
  });
});

describe('rate limit config', () => {
  const base = { DATABASE_URL: 'postgres://h/db', REDIS_URL: 'redis://h:6379', KAFKA_BROKERS: 'h:9092' };

  it('has production defaults', () => {
    const config = platformConfigSchema.parse(base);
    expect(config).toMatchObject({
      RATE_LIMIT_ENABLED: true,
      RATE_LIMIT_IP_PER_MINUTE: 300,
      RATE_LIMIT_USER_PER_MINUTE: 120,
      RATE_LIMIT_KEY_PREFIX: 'ratelimit',
      TRUST_PROXY: false,
    });
  });

  it('reads flags and proxy hops', () => {
    expect(platformConfigSchema.parse({ ...base, RATE_LIMIT_ENABLED: 'false', TRUST_PROXY: '1' })).toMatchObject({
      RATE_LIMIT_ENABLED: false,
      TRUST_PROXY: 1,
    });
    expect(platformConfigSchema.parse({ ...base, TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(platformConfigSchema.safeParse({ ...base, RATE_LIMIT_ENABLED: 'yes' }).success).toBe(false);
    expect(platformConfigSchema.safeParse({ ...base, TRUST_PROXY: '10.0.0.0/8' }).success).toBe(false);
  });
});

describe('RateLimiter when Redis fails', () => {
  const settings = { enabled: true, service: 'svc', keyPrefix: 'p', ipPerMinute: 5, userPerMinute: 5 };

  it('fails open and counts the error', async () => {
    const registry = new Registry();
    const redis = { eval: jest.fn().mockRejectedValue(new Error("Stream isn't writeable")) } as unknown as Redis;
    const limiter = new RateLimiter(settings, redis, registry);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    expect(await limiter.hit('ip', '10.0.0.1', 5)).toBeUndefined();
    expect(await limiter.hit('ip', '10.0.0.1', 5)).toBeUndefined();
    expect(await registry.getSingleMetricAsString('ecotrack_rate_limit_errors_total')).toContain('ecotrack_rate_limit_errors_total 2');
  });

  it('passes the key and window to one script call', async () => {
    const redis = { eval: jest.fn().mockResolvedValue([6, 1500]) } as unknown as Redis;
    const limiter = new RateLimiter(settings, redis, new Registry());
    expect(await limiter.hit('user', 'user:u1', 5)).toEqual({ kind: 'user', limit: 5, count: 6, ttlMs: 1500 });
    expect(redis.eval).toHaveBeenCalledWith(expect.stringContaining('INCR'), 1, 'p:svc:user:user:u1', 60_000);
  });

  it('is off without Redis or when disabled', async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    expect(new RateLimiter(settings, undefined, new Registry()).active).toBe(false);
    expect(new RateLimiter({ ...settings, enabled: false }, {} as Redis, new Registry()).active).toBe(false);
  });
});
