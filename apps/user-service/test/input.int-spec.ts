import type { LightMyRequestResponse } from 'fastify';
import { PROBLEM_CONTENT_TYPE } from '@ecotrack/platform';
import { countSessions, countUsers, PASSWORD, startUserService, uniqueEmail, type UserServiceUnderTest } from './support';

/** Each case: what is sent, the status expected, and the field the 400 must name (if any). */
type Case = [string, string, number, string | undefined];

const json = (value: unknown) => JSON.stringify(value);
const oversized = (body: object) => json({ ...body, padding: 'x'.repeat(10_000) });

describe('user-service: bad input to every POST and PATCH is a 4xx problem and writes nothing', () => {
  let sut: UserServiceUnderTest;
  const email = uniqueEmail('input');
  let accessToken: string;
  let refreshToken: string;

  beforeAll(async () => {
    sut = await startUserService({ HTTP_BODY_LIMIT_BYTES: '4096' });
    await sut.app.inject({ method: 'POST', url: '/v1/users', payload: { email, displayName: 'Input Tester', password: PASSWORD } });
    ({ accessToken, refreshToken } = (await sut.app.inject({ method: 'POST', url: '/v1/sessions', payload: { email, password: PASSWORD } })).json());
  }, 60_000);

  afterAll(async () => {
    await sut?.db.query('DELETE FROM users WHERE email = $1', [email]);
    await sut?.app.close();
  });

  /** Rows, sessions and the profile, so "nothing written" is checked, not assumed. */
  const snapshot = async () => ({
    users: await countUsers(sut.db),
    sessions: await countSessions(sut.redis),
    profile: (await sut.db.query('SELECT display_name, display_name_ciphertext, updated_at FROM users WHERE email = $1', [email]))[0],
    session: await sut.redis.hgetall(`session:${refreshToken.split('.')[0]}`),
  });

  const expectRejected = async (send: () => Promise<LightMyRequestResponse>, status: number, field: string | undefined) => {
    const before = await snapshot();
    const response = await send();
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.json()).toMatchObject({ status });
    if (field) expect(response.json()).toMatchObject({ type: 'urn:ecotrack:problem:validation-error', errors: [expect.objectContaining({ field })] });
    expect(response.body).not.toContain(PASSWORD);
    expect(await snapshot()).toEqual(before);
  };

  const registration = { email: uniqueEmail('new'), displayName: 'New User', password: PASSWORD };
  it.each<Case>([
    ['missing email', json({ displayName: 'x', password: PASSWORD }), 400, 'email'],
    ['missing password', json({ email: registration.email, displayName: 'x' }), 400, 'password'],
    ['missing displayName', json({ email: registration.email, password: PASSWORD }), 400, 'displayName'],
    ['password shorter than 12', json({ ...registration, password: 'short-pw-11' }), 400, 'password'],
    ['password too long', json({ ...registration, password: 'p'.repeat(129) }), 400, 'password'],
    ['not an email', json({ ...registration, email: 'ada-at-example.org' }), 400, 'email'],
    ['email of the wrong type', json({ ...registration, email: 42 }), 400, 'email'],
    ['displayName of the wrong type', json({ ...registration, displayName: ['Ada'] }), 400, 'displayName'],
    ['blank displayName', json({ ...registration, displayName: '   ' }), 400, 'displayName'],
    ['unknown field (a role!)', json({ ...registration, roles: ['admin'] }), 400, 'roles'],
    ['malformed JSON', '{"email": "ada@example.org",', 400, undefined],
    ['a JSON array', json([registration]), 400, undefined],
    ['oversized body', oversized(registration), 413, undefined],
  ])('POST /v1/users, %s', async (_case, payload, status, field) => {
    await expectRejected(() => sut.app.inject({ method: 'POST', url: '/v1/users', headers: { 'content-type': 'application/json' }, payload }), status, field);
  });

  it.each<Case>([
    ['missing password', json({ email }), 400, 'password'],
    ['missing email', json({ password: PASSWORD }), 400, 'email'],
    ['password of the wrong type', json({ email, password: 123456789012 }), 400, 'password'],
    ['unknown field', json({ email, password: PASSWORD, rememberMe: true }), 400, 'rememberMe'],
    ['malformed JSON', '{"email":', 400, undefined],
    ['oversized body', oversized({ email, password: PASSWORD }), 413, undefined],
  ])('POST /v1/sessions, %s', async (_case, payload, status, field) => {
    await expectRejected(() => sut.app.inject({ method: 'POST', url: '/v1/sessions', headers: { 'content-type': 'application/json' }, payload }), status, field);
  });

  it.each<Case>([
    ['missing refreshToken', json({}), 400, 'refreshToken'],
    ['refreshToken of the wrong type', json({ refreshToken: 7 }), 400, 'refreshToken'],
    ['unknown field', json({ refreshToken: 'x', sessionId: 'y' }), 400, 'sessionId'],
    ['malformed JSON', '{"refreshToken"', 400, undefined],
    ['oversized body', oversized({ refreshToken: 'x' }), 413, undefined],
  ])('POST /v1/sessions/refresh, %s', async (_case, payload, status, field) => {
    await expectRejected(
      () => sut.app.inject({ method: 'POST', url: '/v1/sessions/refresh', headers: { 'content-type': 'application/json' }, payload }),
      status,
      field,
    );
  });

  it.each<Case>([
    ['missing displayName', json({}), 400, 'displayName'],
    ['displayName of the wrong type', json({ displayName: 5 }), 400, 'displayName'],
    ['displayName too long', json({ displayName: 'a'.repeat(121) }), 400, 'displayName'],
    ['email change attempt', json({ displayName: 'x', email: 'mallory@example.org' }), 400, 'email'],
    ['role change attempt', json({ displayName: 'x', roles: ['admin'] }), 400, 'roles'],
    ['malformed JSON', '{"displayName": ', 400, undefined],
    ['oversized body', oversized({ displayName: 'x' }), 413, undefined],
  ])('PATCH /v1/users/me, %s', async (_case, payload, status, field) => {
    await expectRejected(
      () =>
        sut.app.inject({
          method: 'PATCH',
          url: '/v1/users/me',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
          payload,
        }),
      status,
      field,
    );
  });

  it('a body that is not JSON: 415 problem', async () => {
    await expectRejected(() => sut.app.inject({ method: 'POST', url: '/v1/users', headers: { 'content-type': 'text/plain' }, payload: 'email=a' }), 415, undefined);
  });
});
