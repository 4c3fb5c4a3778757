import type { LightMyRequestResponse } from 'fastify';
import { decodeJwt } from 'jose';
import { setTimeout as sleep } from 'node:timers/promises';
import { PASSWORD, uniqueEmail, userServiceForSuite } from './support';

interface TokenPair {
  accessToken: string;
  refreshToken: string;
}

const WINDOW_SECONDS = 2;

/**
 * A refresh is a POST that rotates a single-use token: a client (or proxy) that lost the
 * answer and sends it again must not be logged out by reuse detection, while a token that
 * comes back later still ends the session. Real Redis, the service in process.
 */
describe('user-service: a retried refresh gets the same pair; a late one is reuse', () => {
  const suite = userServiceForSuite({ REFRESH_RETRY_WINDOW_SECONDS: String(WINDOW_SECONDS) });
  const refresh = (refreshToken: string): Promise<LightMyRequestResponse> =>
    suite.sut.app.inject({ method: 'POST', url: '/v1/sessions/refresh', payload: { refreshToken } });
  const me = (accessToken: string) => suite.sut.app.inject({ method: 'GET', url: '/v1/users/me', headers: { authorization: `Bearer ${accessToken}` } });
  const login = async (): Promise<TokenPair & { sid: string }> => {
    const email = uniqueEmail('retry');
    expect((await suite.register(email)).statusCode).toBe(201);
    const pair = (await suite.sut.app.inject({ method: 'POST', url: '/v1/sessions', payload: { email, password: PASSWORD } })).json<TokenPair>();
    return { ...pair, sid: decodeJwt(pair.accessToken).sid as string };
  };
  /** Every Redis key of the session, with its value: what a dump of Redis would show. */
  const redisContents = async (sid: string): Promise<string> => {
    const keys = await suite.sut.redis.keys(`*${sid}*`);
    const values = await Promise.all(keys.map(async (key) => ((await suite.sut.redis.type(key)) === 'hash' ? suite.sut.redis.hgetall(key) : suite.sut.redis.get(key))));
    return JSON.stringify({ keys, values });
  };

  it('answers the same old token again, within the window, with the very same pair; the session lives on', async () => {
    const first = await login();
    const used = await refresh(first.refreshToken);
    expect(used.statusCode).toBe(200);
    const retried = await refresh(first.refreshToken);
    expect(retried.statusCode).toBe(200);
    expect(retried.json()).toEqual(used.json());

    const next = used.json<TokenPair>();
    expect((await me(next.accessToken)).statusCode).toBe(200);
    // The pair handed out twice is the current one: it rotates on as usual.
    const after = await refresh(next.refreshToken);
    expect(after.statusCode).toBe(200);
    expect((await me(after.json<TokenPair>().accessToken)).statusCode).toBe(200);
  });

  it('keeps no usable token in clear: the retry answer is sealed under a key of the old token', async () => {
    const first = await login();
    const next = (await refresh(first.refreshToken)).json<TokenPair>();
    const stored = await redisContents(first.sid);
    expect(stored).toContain('session-retry:');
    for (const secret of [next.accessToken, next.refreshToken.split('.')[1], first.refreshToken.split('.')[1]]) expect(stored).not.toContain(secret);
  });

  it('after the window the old token is reuse: 401 and the session ends', async () => {
    const first = await login();
    const next = (await refresh(first.refreshToken)).json<TokenPair>();
    await sleep(WINDOW_SECONDS * 1000 + 300);
    const late = await refresh(first.refreshToken);
    expect(late.statusCode).toBe(401);
    expect(late.json().detail).toMatch(/reuse detected/);
    expect(await suite.sut.redis.exists(`session:${first.sid}`)).toBe(0);
    expect((await me(next.accessToken)).statusCode).toBe(401);
    expect((await refresh(next.refreshToken)).statusCode).toBe(401);
  });

  it('two refreshes with the same token at once: both get the same pair, the session is not revoked', async () => {
    const first = await login();
    const answers = await Promise.all([refresh(first.refreshToken), refresh(first.refreshToken), refresh(first.refreshToken)]);
    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200, 200]);
    const [a, b, c] = answers.map((answer) => answer.json<TokenPair>());
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(await suite.sut.redis.exists(`session:${first.sid}`)).toBe(1);
    expect((await me(a.accessToken)).statusCode).toBe(200);
    expect((await refresh(a.refreshToken)).statusCode).toBe(200);
  });

  it('a made-up token for a live session is invalid, not a retry, and ends nothing', async () => {
    const first = await login();
    await refresh(first.refreshToken);
    const guess = await refresh(`${first.sid}.${'A'.repeat(43)}`);
    expect(guess.statusCode).toBe(401);
    expect(guess.json().detail).toBe('invalid refresh token');
    expect(await suite.sut.redis.exists(`session:${first.sid}`)).toBe(1);
  });
});
