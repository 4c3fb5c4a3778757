import { SEALED_FIELDS_KEY, validateEnvelope } from '@ecotrack/events';
import { PROBLEM_CONTENT_TYPE, RATE_LIMITED_PROBLEM_TYPE } from '@ecotrack/platform';
import { transitAs, type TransitAs } from '@ecotrack/testing';
import type { LightMyRequestResponse } from 'fastify';
import { randomBytes, randomUUID } from 'node:crypto';
import { PASSWORD, startUserService, uniqueEmail, type UserServiceUnderTest } from './support';

/** What a test reads of an outbox row: the envelope of the message. */
type Payload = Record<string, string>;

/**
 * Email verification in user-service (real PostgreSQL, OpenBao, Redis): the token a verification
 * mail carries (read here from the outbox, opened as notification-service opens it), its expiry,
 * resend with its limits, and the account's verified flag. The mail itself: notification-service's
 * event tests and the e2e journey.
 */
describe('user-service: email verification', () => {
  let sut: UserServiceUnderTest;
  let notificationService: TransitAs;
  const emails: string[] = [];
  const MAILS_PER_DAY = 3;

  const call = (method: 'GET' | 'POST', url: string, options: { token?: string; payload?: unknown } = {}) =>
    sut.app.inject({ method, url, payload: options.payload as object, headers: options.token ? { authorization: `Bearer ${options.token}` } : {} });
  const verify = (token: unknown) => call('POST', '/v1/users/email-verification', { payload: { token } });
  const resend = (accessToken: string) => call('POST', '/v1/users/me/email-verification', { token: accessToken });
  const me = async (accessToken: string) => (await call('GET', '/v1/users/me', { token: accessToken })).json<{ emailVerified: boolean }>();

  /** A new account, logged in. */
  async function account(displayName = `Verify ${randomUUID().slice(0, 8)}`) {
    const email = uniqueEmail('verify');
    emails.push(email);
    const created = await call('POST', '/v1/users', { payload: { email, displayName, password: PASSWORD } });
    expect(created.statusCode).toBe(201);
    const session = await call('POST', '/v1/sessions', { payload: { email, password: PASSWORD } });
    return { id: created.json<{ id: string }>().id, email, displayName, accessToken: session.json<{ accessToken: string }>().accessToken };
  }

  /** The account's events of one type, oldest first (validated envelopes' payloads). */
  const events = async (userId: string, type: string): Promise<Payload[]> => {
    const rows: { payload: unknown }[] = await sut.db.query(`SELECT payload FROM outbox WHERE message_key = $1 AND message_type = $2 ORDER BY position`, [userId, type]);
    return rows.map(({ payload }) => {
      const parsed = validateEnvelope(payload);
      if (!parsed.ok) throw new Error(parsed.error);
      return parsed.envelope.payload as Payload;
    });
  };
  /** The token of the account's latest verification mail, opened as notification-service would. */
  const latestToken = async (userId: string): Promise<string> => notificationService.decrypt((await events(userId, 'EmailVerificationRequested')).at(-1)!.token);
  const verifiedAt = async (userId: string) => (await sut.db.query(`SELECT email_verified_at FROM users WHERE id = $1`, [userId]))[0].email_verified_at as Date | null;

  const expectProblem = (response: LightMyRequestResponse, status: number, type: string) => {
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.json()).toMatchObject({ status, type });
  };

  beforeAll(async () => {
    sut = await startUserService({ EMAIL_VERIFICATION_MAILS_PER_DAY: String(MAILS_PER_DAY), EMAIL_VERIFICATION_TTL: '1h' });
    notificationService = await transitAs('notification-service', SEALED_FIELDS_KEY);
  }, 60_000);
  afterAll(async () => {
    await sut?.db.query('DELETE FROM users WHERE email = ANY($1)', [emails]);
    await sut?.app.close();
  });

  it("the mail's token verifies the address once: the account shows it, EmailVerified carries the display name sealed; the same token again is a harmless 204", async () => {
    const user = await account();
    expect(await me(user.accessToken)).toMatchObject({ emailVerified: false });
    const [request] = await events(user.id, 'EmailVerificationRequested');
    const expiresAt = new Date(request.expiresAt).getTime();
    expect(expiresAt - Date.now()).toBeGreaterThan(59 * 60_000);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(60 * 60_000);

    const token = await latestToken(user.id);
    const verified = await verify(token);
    expect(verified.statusCode).toBe(204);
    expect(await me(user.accessToken)).toMatchObject({ emailVerified: true });
    const [announced] = await events(user.id, 'EmailVerified');
    expect(announced).toEqual({ userId: user.id, name: expect.stringMatching(/^vault:v\d+:/) });
    expect(await notificationService.decrypt(announced.name)).toBe(user.displayName);

    const firstVerifiedAt = await verifiedAt(user.id);
    expect((await verify(token)).statusCode).toBe(204);
    expect(await verifiedAt(user.id)).toEqual(firstVerifiedAt);
    expect(await events(user.id, 'EmailVerified')).toHaveLength(1);
    // Nothing left to verify: no more mails.
    expectProblem(await resend(user.accessToken), 409, 'urn:ecotrack:problem:email-already-verified');
    expect(await events(user.id, 'EmailVerificationRequested')).toHaveLength(1);
  });

  it('only the hash of a token is stored; a wrong, a malformed or a missing token is a 400 problem and verifies nothing', async () => {
    const user = await account();
    const token = await latestToken(user.id);
    const stored = JSON.stringify(await sut.db.query(`SELECT * FROM email_verification_tokens WHERE user_id = $1`, [user.id]));
    expect(stored).not.toContain(token);

    expectProblem(await verify(randomBytes(32).toString('base64url')), 400, 'urn:ecotrack:problem:invalid-verification-token');
    for (const bad of [`${token}x`, token.slice(1), 'not a token', 42, '']) {
      const response = await verify(bad);
      expectProblem(response, 400, 'urn:ecotrack:problem:validation-error');
      expect(response.json()).toMatchObject({ errors: [expect.objectContaining({ field: 'token' })] });
    }
    expectProblem(await call('POST', '/v1/users/email-verification', { payload: {} }), 400, 'urn:ecotrack:problem:validation-error');
    expectProblem(await call('POST', '/v1/users/email-verification', { payload: { token, userId: user.id } }), 400, 'urn:ecotrack:problem:validation-error');
    expect(await verifiedAt(user.id)).toBeNull();
    expect(await events(user.id, 'EmailVerified')).toEqual([]);
  });

  it('an expired token is refused (400, ask for a new mail); a resent mail brings a new token that works, while the old one stays refused', async () => {
    const user = await account();
    const expired = await latestToken(user.id);
    // Time passes: the token's hour is over.
    await sut.db.query(`UPDATE email_verification_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [user.id]);
    expectProblem(await verify(expired), 400, 'urn:ecotrack:problem:verification-token-expired');
    expect(await verifiedAt(user.id)).toBeNull();

    const again = await resend(user.accessToken);
    expect(again.statusCode).toBe(202);
    expect(new Date(again.json<{ expiresAt: string }>().expiresAt).getTime()).toBeGreaterThan(Date.now());
    const fresh = await latestToken(user.id);
    expect(fresh).not.toBe(expired);
    expectProblem(await verify(expired), 400, 'urn:ecotrack:problem:verification-token-expired');
    expect((await verify(fresh)).statusCode).toBe(204);
    expect(await me(user.accessToken)).toMatchObject({ emailVerified: true });
  });

  it(`resend: a token is required (401); at most ${MAILS_PER_DAY} mails a day, the registration's included (then 429 with Retry-After, no mail asked for)`, async () => {
    expect((await call('POST', '/v1/users/me/email-verification')).statusCode).toBe(401);
    const user = await account();
    for (let sent = 1; sent < MAILS_PER_DAY; sent++) expect((await resend(user.accessToken)).statusCode).toBe(202);
    const tokens = await Promise.all((await events(user.id, 'EmailVerificationRequested')).map((e) => notificationService.decrypt(e.token)));
    expect(new Set(tokens).size).toBe(MAILS_PER_DAY);

    const refused = await resend(user.accessToken);
    expectProblem(refused, 429, RATE_LIMITED_PROBLEM_TYPE);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(23 * 3600);
    expect(retryAfter).toBeLessThanOrEqual(24 * 3600);
    expect(await events(user.id, 'EmailVerificationRequested')).toHaveLength(MAILS_PER_DAY);
    // Every mail's token is good until it expires: the first one still verifies.
    expect((await verify(tokens[0])).statusCode).toBe(204);
  });
});
