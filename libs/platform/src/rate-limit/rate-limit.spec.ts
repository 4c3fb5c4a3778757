import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { Registry } from 'prom-client';
import { RateLimiter } from './rate-limiter';
import { platformConfigSchema } from '../config/config';
import { callerSubject } from './rate-limit.interceptor';
import { bodyField, RateLimit } from './rate-limit.decorator';
import {
  accountDigest,
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

  it('says how many failures a backoff wait follows, not a per-minute budget', () => {
    const body = rateLimitedProblem({ kind: 'backoff', limit: 0, count: 6, ttlMs: 7_500 }, '/v1/sessions');
    expect(body).toMatchObject({ status: 429, limit: 'backoff' });
    expect(body.detail).toBe('too many failed attempts for this account (6); retry in 8 s');
  });
});

describe('rate limit keys', () => {
  it('scopes counters by prefix, service, kind and subject', () => {
    expect(rateLimitKey('ratelimit', 'product-service', 'ip', '10.0.0.1')).toBe('ratelimit:product-service:ip:10.0.0.1');
  });

  it('never puts an account (an email, a session) in a key, only its SHA-256', () => {
    expect(accountDigest('ada@example.org')).toMatch(/^[0-9a-f]{64}$/);
    expect(accountDigest('ada@example.org')).not.toContain('ada');
  });

  it('counts a verified user; an X-API-Key header picks no budget (anyone could mint fresh ones)', () => {
    const user = { id: 'u-1' } as never;
    expect(callerSubject({ user })).toBe('user:u-1');
    expect(callerSubject({ headers: { 'x-api-key': 'fresh-random-key' } } as never)).toBeUndefined();
    expect(callerSubject({})).toBeUndefined();
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
      RATE_LIMIT_INTERNAL_PER_MINUTE: 0,
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

describe('@RateLimit', () => {
  const request = (body: unknown) => ({ body }) as never;

  it('reads an account from a string field of the body, normalized, and nothing else', () => {
    const email = bodyField('email');
    expect(email(request({ email: '  Ada@Example.ORG ' }))).toBe('ada@example.org');
    expect(email(request({ email: 42 }))).toBeUndefined();
    expect(email(request({ email: '   ' }))).toBeUndefined();
    expect(email(request([{ email: 'a@b.c' }]))).toBeUndefined();
    expect(email(request(undefined))).toBeUndefined();
    expect(email(request('email=a@b.c'))).toBeUndefined();
  });

  it('refuses limits that make no sense at start-up', () => {
    expect(() => RateLimit()).toThrow('at least one limit');
    expect(() => RateLimit({ perMinute: 0 })).toThrow('positive integer');
    const backoff = { failureStatuses: [401], freeFailures: 3, baseSeconds: 2, maxSeconds: 1, forgetAfterSeconds: 60 };
    expect(() => RateLimit({ perMinute: 5, backoff })).toThrow('maxSeconds >= baseSeconds');
    expect(() => RateLimit({ perMinute: 5, backoff: { ...backoff, maxSeconds: 900 } })).toThrow('forgetAfterSeconds >= maxSeconds');
    expect(() => RateLimit({ perMinute: 5, per: 'ip' }, { perMinute: 5, backoff: { ...backoff, maxSeconds: 60 } })).not.toThrow();
  });
});

describe('RateLimiter when Redis fails', () => {
  const settings = { enabled: true, service: 'svc', keyPrefix: 'p', ipPerMinute: 5, userPerMinute: 5, internalPerMinute: 0 };

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
