import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { PROBLEM_CONTENT_TYPE } from '@ecotrack/platform';
import { unsignedToken, withPayload } from '@ecotrack/testing';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, exportSPKI, jwtVerify, SignJWT } from 'jose';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { countSessions, newTestKey, PASSWORD, signToken, startUserService, uniqueEmail, type UserServiceUnderTest } from './support';

const repoRoot = resolve(__dirname, '../../..');
const RETRY_WINDOW_SECONDS = 1;

interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: string;
  expiresIn: number;
}

describe('user-service: accounts, sessions, JWT and JWKS (real PostgreSQL and Redis)', () => {
  let sut: UserServiceUnderTest;
  /** Every response of this suite, to prove what never appears in one. */
  const responses: LightMyRequestResponse[] = [];
  const createdEmails: string[] = [];

  const call = async (options: InjectOptions) => {
    const response = await sut.app.inject(options);
    responses.push(response);
    return response;
  };
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const register = (email: string, displayName = 'Ada Lovelace') => {
    createdEmails.push(email.toLowerCase());
    return call({ method: 'POST', url: '/v1/users', payload: { email, displayName, password: PASSWORD } });
  };
  const login = async (email: string, password = PASSWORD) => call({ method: 'POST', url: '/v1/sessions', payload: { email, password } });
  const loggedIn = async (email: string) => (await login(email)).json<TokenPair>();
  const refresh = (refreshToken: string) => call({ method: 'POST', url: '/v1/sessions/refresh', payload: { refreshToken } });
  const me = (token: string) => call({ method: 'GET', url: '/v1/users/me', headers: bearer(token) });

  const expectProblem = (response: LightMyRequestResponse, status: number) => {
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.json()).toMatchObject({ status });
  };
  const expectUnauthorized = (response: LightMyRequestResponse, detail?: string | RegExp) => {
    expectProblem(response, 401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="ecotrack"/);
    if (detail) expect(response.json().detail).toMatch(detail);
  };

  beforeAll(async () => {
    // A used refresh token gets the same pair again only this long (see refresh-retry.int-spec.ts).
    sut = await startUserService({ REFRESH_RETRY_WINDOW_SECONDS: String(RETRY_WINDOW_SECONDS) });
  }, 60_000);

  afterAll(async () => {
    await sut?.db.query('DELETE FROM users WHERE email = ANY($1)', [createdEmails]);
    await sut?.app.close();
  });

  describe('registration', () => {
    it('creates a customer, lower-cases the email, stores an argon2id hash and never returns it', async () => {
      const email = uniqueEmail('Ada.Register').replace('example', 'EXAMPLE');
      const response = await register(email);
      expect(response.statusCode).toBe(201);
      const body = response.json();
      expect(body).toEqual({ id: expect.any(String), email: email.toLowerCase(), displayName: 'Ada Lovelace', emailVerified: false, roles: ['customer'], createdAt: expect.any(String) });
      const [row] = await sut.db.query('SELECT email, password_hash FROM users WHERE id = $1', [body.id]);
      expect(row.email).toBe(email.toLowerCase());
      expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect(response.body).not.toContain(row.password_hash);
      expect(response.body).not.toContain(PASSWORD);
    });

    it('answers a duplicate email (in any case) from another registration with a 409 problem and writes nothing', async () => {
      const email = uniqueEmail('dup');
      expect((await register(email)).statusCode).toBe(201);
      const again = await register(email.toUpperCase(), 'Someone Else');
      expectProblem(again, 409);
      expect((await sut.db.query('SELECT count(*)::int AS n FROM users WHERE email = $1', [email]))[0].n).toBe(1);
    });
  });

  describe('login, refresh, logout', () => {
    const email = uniqueEmail('flow');
    let userId: string;

    beforeAll(async () => {
      userId = (await register(email)).json().id;
    });

    it('rejects a wrong password and an unknown email alike (401 problem with a Bearer challenge)', async () => {
      const wrong = await login(email, 'not the right password');
      const unknown = await login(uniqueEmail('nobody'));
      expectUnauthorized(wrong, 'invalid email or password');
      expectUnauthorized(unknown, 'invalid email or password');
    });

    it('issues an ES256 access token with kid, iss, aud, sub, roles, sid and a 15 minute expiry', async () => {
      const response = await login(email.toUpperCase());
      expect(response.statusCode).toBe(201);
      const pair = response.json<TokenPair>();
      expect(pair).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
      // With OpenBao (which the service needs for field encryption) the key ring's active key signs, not sut.key.
      const published = (await call({ method: 'GET', url: '/.well-known/jwks.json' })).json<{ keys: Array<{ kid: string }> }>().keys.map((key) => key.kid);
      expect(decodeProtectedHeader(pair.accessToken)).toEqual({ alg: 'ES256', kid: expect.any(String), typ: 'at+jwt' });
      expect(published).toContain(decodeProtectedHeader(pair.accessToken).kid);
      const claims = decodeJwt(pair.accessToken);
      expect(claims).toMatchObject({ iss: 'urn:ecotrack:user-service', aud: 'ecotrack', sub: userId, roles: ['customer'], sid: expect.any(String) });
      expect(claims.exp! - claims.iat!).toBe(900);
      // Opaque refresh token: 256 random bits after the session id, stored only as its SHA-256.
      expect(pair.refreshToken).toMatch(new RegExp(`^${claims.sid}\\.[A-Za-z0-9_-]{43}$`));
      const stored = await sut.redis.hgetall(`session:${claims.sid}`);
      expect(stored).toMatchObject({ userId, refresh: expect.stringMatching(/^[0-9a-f]{64}$/) });
      expect(JSON.stringify(stored)).not.toContain(pair.refreshToken.split('.')[1]);
      expect(await sut.redis.ttl(`session:${claims.sid}`)).toBeGreaterThan(13 * 24 * 3600);
    });

    it('serves /v1/users/me to the token holder and lets them change only the display name', async () => {
      const { accessToken } = await loggedIn(email);
      expect((await me(accessToken)).json()).toMatchObject({ id: userId, email });
      const renamed = await call({ method: 'PATCH', url: '/v1/users/me', headers: bearer(accessToken), payload: { displayName: '  Ada King ' } });
      expect(renamed.statusCode).toBe(200);
      expect(renamed.json()).toMatchObject({ id: userId, displayName: 'Ada King', roles: ['customer'] });
      const escalate = await call({ method: 'PATCH', url: '/v1/users/me', headers: bearer(accessToken), payload: { displayName: 'x', roles: ['admin'] } });
      expectProblem(escalate, 400);
      expect(escalate.json().errors).toEqual([expect.objectContaining({ field: 'roles' })]);
      expect((await me(accessToken)).json()).toMatchObject({ displayName: 'Ada King', roles: ['customer'] });
    });

    it('rotates the refresh token; reusing a rotated one revokes the whole session', async () => {
      const first = await loggedIn(email);
      const sid = decodeJwt(first.accessToken).sid as string;

      const second = await refresh(first.refreshToken);
      expect(second.statusCode).toBe(200);
      const rotated = second.json<TokenPair>();
      expect(rotated.refreshToken).not.toBe(first.refreshToken);
      expect(decodeJwt(rotated.accessToken)).toMatchObject({ sid, sub: userId });
      expect((await me(rotated.accessToken)).statusCode).toBe(200);

      const third = (await refresh(rotated.refreshToken)).json<TokenPair>();
      expect((await me(third.accessToken)).statusCode).toBe(200);

      // The first token comes back (stolen, or replayed) after its retry window: the session ends for everybody.
      await sleep(RETRY_WINDOW_SECONDS * 1000 + 200);
      expectUnauthorized(await refresh(first.refreshToken), /reuse detected/);
      expect(await sut.redis.exists(`session:${sid}`)).toBe(0);
      expectUnauthorized(await refresh(third.refreshToken), 'invalid refresh token');
      expectUnauthorized(await me(third.accessToken), 'session revoked');
      expectUnauthorized(await me(first.accessToken), 'session revoked');
    });

    it('rejects made-up refresh tokens without touching any session', async () => {
      const { accessToken } = await loggedIn(email);
      const sid = decodeJwt(accessToken).sid as string;
      expectUnauthorized(await refresh(`${sid}.${'A'.repeat(43)}`), 'invalid refresh token');
      expectUnauthorized(await refresh('garbage'), 'invalid refresh token');
      expect((await me(accessToken)).statusCode).toBe(200); // a guess is not a reuse
    });

    it('logs out: the access token and the refresh token stop working at once', async () => {
      const pair = await loggedIn(email);
      const before = await countSessions(sut.redis);
      const out = await call({ method: 'DELETE', url: '/v1/sessions/current', headers: bearer(pair.accessToken) });
      expect(out.statusCode).toBe(204);
      expect(await countSessions(sut.redis)).toBe(before - 1);
      expectUnauthorized(await me(pair.accessToken), 'session revoked');
      expectUnauthorized(await refresh(pair.refreshToken));
      expectUnauthorized(await call({ method: 'DELETE', url: '/v1/sessions/current', headers: bearer(pair.accessToken) }));
    });
  });

  describe('JWKS', () => {
    it('publishes the public signing key with kid, ES256 and use sig, cacheable', async () => {
      const response = await call({ method: 'GET', url: '/.well-known/jwks.json' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['cache-control']).toMatch(/max-age=\d+/);
      const { keys } = response.json();
      // The key ring's keys, and sut.key (configured, so it still verifies the tokens it signed).
      for (const key of keys) expect(key).toEqual(expect.objectContaining({ kid: expect.any(String), kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' }));
      expect(keys).toContainEqual(expect.objectContaining({ kid: sut.key.kid }));
      for (const key of keys) expect(key).not.toHaveProperty('d');
    });

    it('verifies an issued token with jose against the published set alone', async () => {
      const email = uniqueEmail('jwks');
      await register(email);
      const { accessToken } = await loggedIn(email);
      const jwks = createLocalJWKSet((await call({ method: 'GET', url: '/.well-known/jwks.json' })).json());
      const { payload } = await jwtVerify(accessToken, jwks, { issuer: 'urn:ecotrack:user-service', audience: 'ecotrack', algorithms: ['ES256'] });
      expect(payload.sub).toBeDefined();
    });
  });

  describe('roles', () => {
    const customerEmail = uniqueEmail('customer');
    const adminEmail = uniqueEmail('admin');
    let customerId: string;
    let adminId: string;

    beforeAll(async () => {
      customerId = (await register(customerEmail)).json().id;
      adminId = (await register(adminEmail)).json().id;
      // The first admin is made by an operator with the CLI; later ones over the API.
      const granted = spawnSync(process.execPath, ['tools/run/grant-admin.js', adminEmail.toUpperCase()], {
        cwd: repoRoot,
        env: { PATH: process.env.PATH, DATABASE_URL: process.env.USER_SERVICE_DATABASE_URL },
        encoding: 'utf8',
      });
      expect(granted.stderr).toBe('');
      expect(granted.status).toBe(0);
      expect(granted.stdout).toContain('customer, admin');
    });

    const setRoles = (token: string, id: string, payload: unknown) =>
      call({ method: 'PUT', url: `/v1/users/${id}/roles`, headers: bearer(token), payload: payload as object });

    it('the grant CLI refuses an unknown email and is idempotent for an admin', () => {
      const run = (email: string) =>
        spawnSync(process.execPath, ['tools/run/grant-admin.js', email], {
          cwd: repoRoot,
          env: { PATH: process.env.PATH, DATABASE_URL: process.env.USER_SERVICE_DATABASE_URL },
          encoding: 'utf8',
        });
      const unknown = run(uniqueEmail('nobody'));
      expect(unknown.status).toBe(1);
      expect(unknown.stderr).toContain('no account with email');
      expect(run(adminEmail).stdout).toContain('now has roles customer, admin');
    });

    it('forbids a customer on an admin route (403 problem)', async () => {
      const { accessToken } = await loggedIn(customerEmail);
      const response = await call({ method: 'GET', url: `/v1/users/${customerId}`, headers: bearer(accessToken) });
      expectProblem(response, 403);
      expectProblem(await setRoles(accessToken, customerId, { roles: ['customer', 'admin'] }), 403);
    });

    it('lets an admin read any user; unknown id 404, malformed id 400', async () => {
      const { accessToken } = await loggedIn(adminEmail);
      expect(decodeJwt(accessToken).roles).toEqual(['customer', 'admin']);
      const found = await call({ method: 'GET', url: `/v1/users/${customerId}`, headers: bearer(accessToken) });
      expect(found.statusCode).toBe(200);
      expect(found.json()).toMatchObject({ id: customerId, email: customerEmail });
      expectProblem(await call({ method: 'GET', url: `/v1/users/${randomUUID()}`, headers: bearer(accessToken) }), 404);
      expectProblem(await call({ method: 'GET', url: '/v1/users/not-a-uuid', headers: bearer(accessToken) }), 400);
    });

    it("an admin grants admin over the API; the user's old sessions end, the next login carries the role", async () => {
      const before = await loggedIn(customerEmail);
      expect((await me(before.accessToken)).statusCode).toBe(200);
      const { accessToken } = await loggedIn(adminEmail);

      const granted = await setRoles(accessToken, customerId, { roles: ['customer', 'admin'] });
      expect(granted.statusCode).toBe(200);
      expect(granted.json().roles).toEqual(['customer', 'admin']);

      // The token minted before the change carried 'customer' only: it no longer works anywhere.
      expectUnauthorized(await me(before.accessToken));
      expectUnauthorized(await refresh(before.refreshToken));
      const after = await loggedIn(customerEmail);
      expect(decodeJwt(after.accessToken).roles).toEqual(['customer', 'admin']);
      expect((await call({ method: 'GET', url: `/v1/users/${adminId}`, headers: bearer(after.accessToken) })).statusCode).toBe(200);

      // Withdrawing it works the same way, and setting the same roles again ends nothing.
      expect((await setRoles(accessToken, customerId, { roles: ['customer'] })).statusCode).toBe(200);
      expectUnauthorized(await me(after.accessToken));
      const demoted = await loggedIn(customerEmail);
      expect(decodeJwt(demoted.accessToken).roles).toEqual(['customer']);
      expect((await setRoles(accessToken, customerId, { roles: ['customer'] })).statusCode).toBe(200);
      expect((await me(demoted.accessToken)).statusCode).toBe(200);
    });

    it('an admin cannot drop their own admin role (409); the admin keeps it', async () => {
      const { accessToken } = await loggedIn(adminEmail);
      expectProblem(await setRoles(accessToken, adminId, { roles: ['customer'] }), 409);
      expect((await me(accessToken)).json().roles).toEqual(['customer', 'admin']);
    });

    it.each([
      ['missing roles', {}, 'roles'],
      ['empty roles', { roles: [] }, 'roles'],
      ['unknown role', { roles: ['root'] }, 'roles'],
      ['duplicated role', { roles: ['admin', 'admin'] }, 'roles'],
      ['wrong type', { roles: 'admin' }, 'roles'],
      ['unknown field', { roles: ['customer'], email: 'x@example.org' }, 'email'],
    ])('bad role requests give 400 naming the field and change nothing: %s', async (_name, payload, field) => {
      const { accessToken } = await loggedIn(adminEmail);
      const response = await setRoles(accessToken, customerId, payload);
      expectProblem(response, 400);
      expect(JSON.stringify(response.json())).toContain(field);
      const [{ roles }] = await sut.db.query('SELECT roles FROM users WHERE id = $1', [customerId]);
      expect(roles).toEqual(['customer']);
    });

    it('an unknown user gives 404, a malformed id 400', async () => {
      const { accessToken } = await loggedIn(adminEmail);
      expectProblem(await setRoles(accessToken, randomUUID(), { roles: ['customer'] }), 404);
      expectProblem(await setRoles(accessToken, 'nope', { roles: ['customer'] }), 400);
    });
  });

  describe('bad access tokens: 401 problem+json with WWW-Authenticate', () => {
    let claims: Record<string, unknown>;

    beforeAll(async () => {
      const email = uniqueEmail('forged');
      await register(email);
      const { accessToken } = await loggedIn(email);
      const { sub, sid } = decodeJwt(accessToken);
      claims = { sub, sid };
    });

    it('accepts a token the test signs like the service would (the forgeries below differ in one thing each)', async () => {
      expect((await me(await signToken(sut.key, claims))).statusCode).toBe(200);
    });

    it('no token: a bare challenge', async () => {
      const response = await call({ method: 'GET', url: '/v1/users/me' });
      expectUnauthorized(response);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="ecotrack"');
    });

    it.each([
      ['expired', async () => signToken(sut.key, claims, {}, Math.floor(Date.now() / 1000) - 60), 'token expired'],
      [
        'tampered payload',
        async () => withPayload(await signToken(sut.key, claims), { ...claims, roles: ['admin'], iss: 'urn:ecotrack:user-service', aud: 'ecotrack', iat: 1, exp: 4e9 }),
        'signature invalid',
      ],
      [
        'alg none',
        async () =>
          unsignedToken({ typ: 'at+jwt', kid: sut.key.kid }, { ...claims, roles: ['admin'], iss: 'urn:ecotrack:user-service', aud: 'ecotrack', iat: 1, exp: 4e9 }),
        'signing algorithm not allowed',
      ],
      [
        'HS256 with the public key as secret',
        async () =>
          new SignJWT({ ...claims, roles: ['admin'] })
            .setProtectedHeader({ alg: 'HS256', kid: sut.key.kid, typ: 'at+jwt' })
            .setIssuer('urn:ecotrack:user-service')
            .setAudience('ecotrack')
            .setIssuedAt()
            .setExpirationTime('10m')
            .sign(new TextEncoder().encode(await exportSPKI(sut.key.publicKey))),
        'signing algorithm not allowed',
      ],
      ['unknown kid', async () => signToken(await newTestKey('unknown-kid'), claims), 'unknown signing key'],
      ['wrong audience', async () => signToken(sut.key, { ...claims, aud: 'another-system' }), 'claim "aud" is invalid'],
      ['wrong issuer', async () => signToken(sut.key, { ...claims, iss: 'https://evil.example' }), 'claim "iss" is invalid'],
      ['not a Bearer header', async () => 'Basic YWRhOnB3', 'malformed Authorization header'],
    ])('%s', async (_case, makeToken, detail) => {
      const token = await makeToken();
      const headers = token.startsWith('Basic ') ? { authorization: token } : bearer(token);
      const response = await call({ method: 'GET', url: '/v1/users/me', headers });
      expectUnauthorized(response, detail);
      expect(response.headers['www-authenticate']).toMatch(/error="invalid_(token|request)"/);
    });
  });

  it('never put a password hash in any response, nor a refresh token in any response but the one that issued it', async () => {
    const hashes: string[] = (await sut.db.query('SELECT password_hash FROM users WHERE email = ANY($1)', [createdEmails])).map(
      (row: { password_hash: string }) => row.password_hash,
    );
    expect(hashes.length).toBeGreaterThan(5);
    const issued = responses.flatMap((response) => {
      const refreshToken = response.statusCode < 300 && response.body.includes('refreshToken') ? response.json().refreshToken : undefined;
      return refreshToken ? [{ response, refreshToken }] : [];
    });
    expect(issued.length).toBeGreaterThan(5);
    for (const response of responses) {
      const text = JSON.stringify(response.headers) + response.body;
      for (const hash of hashes) expect(text).not.toContain(hash);
      expect(text).not.toContain('$argon2');
      for (const { response: issuer, refreshToken } of issued) if (issuer !== response) expect(text).not.toContain(refreshToken.split('.')[1]);
    }
  });
});
