import { SEALED_FIELDS_KEY, validateEnvelope } from '@ecotrack/events';
import { METRICS_REGISTRY, metricValue } from '@ecotrack/telemetry';
import { transitAs } from '@ecotrack/testing';
import { randomBytes } from 'node:crypto';
import type { Registry } from 'prom-client';
import { PASSWORD, uniqueEmail, userServiceForSuite } from './support';

/**
 * user-service's business metrics move once per fact (real PostgreSQL, Redis, OpenBao):
 * registrations (a replayed registration creates no account), logins by outcome as the client
 * got it (the route's rate limits answer before the handler), email verifications.
 */
describe('user-service business metrics', () => {
  const suite = userServiceForSuite();
  let ipCounter = 0;
  const newIp = () => `198.51.100.${++ipCounter}`;

  const value = (name: string, labels: Record<string, string> = {}) => metricValue(suite.sut.app.get<Registry>(METRICS_REGISTRY), name, labels);
  const logins = async () =>
    Object.fromEntries(await Promise.all(['success', 'invalid_credentials', 'rate_limited'].map(async (outcome) => [outcome, await value('ecotrack_user_logins_total', { outcome })])));
  const login = (email: string, password = PASSWORD, remoteAddress = newIp()) =>
    suite.sut.app.inject({ method: 'POST', url: '/v1/sessions', payload: { email, password }, remoteAddress });

  it('a registration counts once; the same request again (a client retry) and a taken address count nothing', async () => {
    const before = await value('ecotrack_user_registrations_total');
    const email = uniqueEmail('metrics');
    expect((await suite.register(email)).statusCode).toBe(201);
    expect((await suite.register(email)).statusCode).toBe(201); // replayed: the same account
    expect((await suite.register(email, { password: 'another password entirely' })).statusCode).toBe(409);
    expect(await value('ecotrack_user_registrations_total')).toBe(before + 1);
  });

  it('logins by outcome: success, invalid_credentials, rate_limited; an invalid body and a refresh are no login', async () => {
    const email = uniqueEmail('logins');
    expect((await suite.register(email)).statusCode).toBe(201);
    const before = await logins();

    const session = await login(email);
    expect(session.statusCode).toBe(201);
    expect((await login(email, 'wrong password!')).statusCode).toBe(401);
    expect((await login(uniqueEmail('nobody'))).statusCode).toBe(401);
    expect((await suite.sut.app.inject({ method: 'POST', url: '/v1/sessions', payload: { email }, remoteAddress: newIp() })).statusCode).toBe(400);
    const refresh = await suite.sut.app.inject({ method: 'POST', url: '/v1/sessions/refresh', payload: { refreshToken: session.json().refreshToken }, remoteAddress: newIp() });
    expect(refresh.statusCode).toBe(200);
    expect(await logins()).toEqual({ ...before, success: before.success + 1, invalid_credentials: before.invalid_credentials + 2 });

    // The account's per-minute budget (10, two of them spent above), then 429 before the handler runs.
    let answered = 0;
    while ((await login(email)).statusCode === 201) answered++;
    expect(answered).toBe(8);
    expect(await logins()).toEqual({ success: before.success + 9, invalid_credentials: before.invalid_credentials + 2, rate_limited: before.rate_limited + 1 });
  });

  it('verifications: verified once (the same link again changes and counts nothing), an unknown token is invalid_token', async () => {
    const notificationService = await transitAs('notification-service', SEALED_FIELDS_KEY);
    const email = uniqueEmail('verified');
    const created = await suite.register(email);
    const [row] = await suite.sut.db.query(`SELECT payload FROM outbox WHERE message_key = $1 AND message_type = 'EmailVerificationRequested'`, [created.json().id]);
    const parsed = validateEnvelope(row.payload);
    if (!parsed.ok) throw new Error(parsed.error);
    const token = await notificationService.decrypt((parsed.envelope.payload as { token: string }).token);
    const verify = (value: string) => suite.sut.app.inject({ method: 'POST', url: '/v1/users/email-verification', payload: { token: value }, remoteAddress: newIp() });
    const verified = await value('ecotrack_user_email_verifications_total', { outcome: 'verified' });
    const invalid = await value('ecotrack_user_email_verifications_total', { outcome: 'invalid_token' });

    expect((await verify(token)).statusCode).toBe(204);
    expect((await verify(token)).statusCode).toBe(204);
    expect((await verify(randomBytes(32).toString('base64url'))).statusCode).toBe(400);
    expect(await value('ecotrack_user_email_verifications_total', { outcome: 'verified' })).toBe(verified + 1);
    expect(await value('ecotrack_user_email_verifications_total', { outcome: 'invalid_token' })).toBe(invalid + 1);
  });
});
