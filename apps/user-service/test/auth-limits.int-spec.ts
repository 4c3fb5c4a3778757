import { PROBLEM_CONTENT_TYPE, RATE_LIMITED_PROBLEM_TYPE } from '@ecotrack/platform';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { LOGIN_BACKOFF, LOGIN_LIMITS, REFRESH_LIMITS, REGISTRATION_LIMITS } from '../src/abuse-limits';
import { PASSWORD, uniqueEmail, userServiceForSuite } from './support';

/** A client address of its own per test (the service sees it as the TCP peer, as behind no proxy). */
const newIp = () => `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
const perMinute = (limits: typeof LOGIN_LIMITS, per: 'ip' | 'account') => limits.find((limit) => (per === 'ip' ? limit.per === 'ip' : typeof limit.per === 'object'))!.perMinute;

function expectTooMany(response: LightMyRequestResponse, limit: string): number {
  expect(response.statusCode).toBe(429);
  expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
  expect(response.json()).toMatchObject({ type: RATE_LIMITED_PROBLEM_TYPE, status: 429, limit });
  const retryAfter = Number(response.headers['retry-after']);
  expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
  return retryAfter;
}

/**
 * Login, registration and refresh: limits per client IP and per account the request names
 * (the email; the session of a refresh token), and a growing wait after failed logins.
 * Real Redis and PostgreSQL; each test speaks from its own client address.
 */
describe('user-service: limits on the routes that take credentials', () => {
  const suite = userServiceForSuite();
  const call = (options: InjectOptions & { ip: string }) => suite.sut.app.inject({ ...options, remoteAddress: options.ip });
  const register = (email: string, ip: string, password = PASSWORD) => suite.register(email, { password, remoteAddress: ip });
  const login = (email: string, ip: string, password = PASSWORD) => call({ method: 'POST', url: '/v1/sessions', payload: { email, password }, ip });

  it('failed logins of an account make its next attempts wait, longer each time, from any address; a success forgets them', async () => {
    expect(LOGIN_BACKOFF).toMatchObject({ freeFailures: 3, baseSeconds: 2 });
    const email = uniqueEmail('backoff');
    expect((await register(email, newIp())).statusCode).toBe(201);
    const attacker = newIp();

    for (let i = 0; i < LOGIN_BACKOFF.freeFailures; i++) expect((await login(email, attacker, 'wrong password!')).statusCode).toBe(401);
    // One failure past the free ones: the next attempt waits 2 s, even with the right password.
    expect((await login(email, attacker, 'wrong password!')).statusCode).toBe(401);
    const first = await login(email, attacker);
    expect(expectTooMany(first, 'backoff')).toBe(2);
    expect(first.json().detail).toContain('too many failed attempts for this account');

    await sleep(2_100);
    expect((await login(email, attacker, 'wrong password!')).statusCode).toBe(401);
    // Twice as long now, and another address does not help.
    expect(expectTooMany(await login(email, newIp()), 'backoff')).toBe(4);

    await sleep(4_100);
    expect((await login(email, newIp())).statusCode).toBe(201);
    // Forgotten: a failure now is a free one again.
    expect((await login(email, attacker, 'wrong password!')).statusCode).toBe(401);
    expect((await login(email, attacker, 'wrong password!')).statusCode).toBe(401);
  }, 30_000);

  it('limits logins per account, whatever the client address', async () => {
    const email = uniqueEmail('account');
    expect((await register(email, newIp())).statusCode).toBe(201);
    const limit = perMinute(LOGIN_LIMITS, 'account');
    for (let i = 0; i < limit; i++) expect((await login(email, newIp())).statusCode).toBe(201);
    const ip = newIp();
    expectTooMany(await login(email, ip), 'account');
    // Another account from the same address is not affected.
    const other = uniqueEmail('other');
    expect((await register(other, newIp())).statusCode).toBe(201);
    expect((await login(other, ip)).statusCode).toBe(201);
  }, 60_000);

  it('limits logins per client address, across accounts', async () => {
    const ip = newIp();
    const limit = perMinute(LOGIN_LIMITS, 'ip');
    for (let i = 0; i < limit; i++) expect((await login(uniqueEmail('spray'), ip, 'guess-guess-guess')).statusCode).toBe(401);
    expectTooMany(await login(uniqueEmail('spray'), ip), 'route');
    expect((await login(uniqueEmail('spray'), newIp(), 'guess-guess-guess')).statusCode).toBe(401);
  }, 60_000);

  it('limits registrations per email and per client address (invalid ones count too)', async () => {
    const email = uniqueEmail('twice');
    const perEmail = perMinute(REGISTRATION_LIMITS, 'account');
    const answers: number[] = [];
    // Each with another password: a true second registration of the address (the same request again
    // would be a retry, answered 201 from the first: see registration's replay window).
    for (let i = 0; i < perEmail; i++) answers.push((await register(email, newIp(), `${PASSWORD}-${i}`)).statusCode);
    expect(answers).toEqual([201, ...Array(perEmail - 1).fill(409)]);
    expectTooMany(await register(email, newIp()), 'account');

    // Requests refused as invalid never reached the account: they spend the sender's IP budget only.
    const fresh = uniqueEmail('garbage');
    for (let i = 0; i < perEmail * 2; i++) expect((await register(fresh, newIp(), 'too-short')).statusCode).toBe(400);
    expect((await register(fresh, newIp())).statusCode).toBe(201);

    const ip = newIp();
    const perIp = perMinute(REGISTRATION_LIMITS, 'ip');
    for (let i = 0; i < perIp; i++) expect((await register(uniqueEmail('bulk'), ip, 'too-short')).statusCode).toBe(400);
    expectTooMany(await register(uniqueEmail('bulk'), ip), 'route');
    expect((await register(uniqueEmail('bulk'), newIp())).statusCode).toBe(201);
  }, 60_000);

  it('limits refreshes per session', async () => {
    const email = uniqueEmail('refresh');
    expect((await register(email, newIp())).statusCode).toBe(201);
    let { refreshToken } = (await login(email, newIp())).json<{ refreshToken: string }>();
    const limit = perMinute(REFRESH_LIMITS, 'account');
    for (let i = 0; i < limit; i++) {
      const response = await call({ method: 'POST', url: '/v1/sessions/refresh', payload: { refreshToken }, ip: newIp() });
      expect(response.statusCode).toBe(200);
      refreshToken = response.json<{ refreshToken: string }>().refreshToken;
    }
    expectTooMany(await call({ method: 'POST', url: '/v1/sessions/refresh', payload: { refreshToken }, ip: newIp() }), 'account');
    // Another session is not affected; neither is a token of no session.
    const other = (await login(email, newIp())).json<{ refreshToken: string }>();
    expect((await call({ method: 'POST', url: '/v1/sessions/refresh', payload: { refreshToken: other.refreshToken }, ip: newIp() })).statusCode).toBe(200);
    expect((await call({ method: 'POST', url: '/v1/sessions/refresh', payload: { refreshToken: `${randomUUID()}.${'A'.repeat(43)}` }, ip: newIp() })).statusCode).toBe(401);
  }, 60_000);

  it('keeps no email in clear in Redis: account keys hold its SHA-256', async () => {
    const email = uniqueEmail('hashed');
    await login(email, newIp(), 'wrong password!');
    const keys = await suite.sut.redis.keys('*');
    const digest = createHash('sha256').update(email).digest('hex');
    expect(keys.filter((key) => key.endsWith(`:POST:/v1/sessions:email:${digest}`))).toHaveLength(1);
    expect(keys.filter((key) => key.includes(email))).toEqual([]);
  });
});
