import { PROBLEM_CONTENT_TYPE } from '@ecotrack/platform';
import { countUsers, PASSWORD, startUserService, uniqueEmail, type UserServiceUnderTest } from './support';

/**
 * Registration is safe to retry: a client or the mesh sending the same POST again (its first answer
 * lost) gets the original 201, not a 409, and nothing happens twice. Another registration of the
 * address is still a 409, saying no more than before.
 */
describe('user-service: a retried registration', () => {
  let sut: UserServiceUnderTest;
  const emails: string[] = [];
  const WINDOW_SECONDS = 120;

  const register = (body: { email: string; displayName: string; password: string }) => sut.app.inject({ method: 'POST', url: '/v1/users', payload: body });
  const newRequest = () => {
    const email = uniqueEmail('retry');
    emails.push(email);
    return { email, displayName: 'Retry Tester', password: PASSWORD };
  };
  const outboxRows = async (userId: string) => Number((await sut.db.query(`SELECT count(*)::int AS n FROM outbox WHERE message_key = $1`, [userId]))[0].n);

  beforeAll(async () => {
    sut = await startUserService({ REGISTRATION_REPLAY_WINDOW: `${WINDOW_SECONDS}s` });
  }, 60_000);
  afterAll(async () => {
    await sut?.db.query('DELETE FROM users WHERE email = ANY($1)', [emails]);
    await sut?.app.close();
  });

  it('the same request again answers the original 201 (same account), writes nothing and asks for no second mail', async () => {
    const request = newRequest();
    const first = await register(request);
    expect(first.statusCode).toBe(201);
    const users = await countUsers(sut.db);
    const rows = await outboxRows(first.json<{ id: string }>().id);

    const retried = await register({ ...request, email: request.email.toUpperCase() });
    expect(retried.statusCode).toBe(201);
    expect(retried.json()).toEqual(first.json());
    expect(await countUsers(sut.db)).toBe(users);
    expect(await outboxRows(first.json<{ id: string }>().id)).toBe(rows);
  });

  it('two copies at the same moment (a retry while the first is still running): both 201 with one account', async () => {
    const request = newRequest();
    const answers = await Promise.all([register(request), register(request)]);
    expect(answers.map((a) => a.statusCode)).toEqual([201, 201]);
    expect(answers[0].json<{ id: string }>().id).toBe(answers[1].json<{ id: string }>().id);
    expect((await sut.db.query(`SELECT count(*)::int AS n FROM users WHERE email = $1`, [request.email]))[0].n).toBe(1);
  });

  it('not the same request (another password or display name), or the same after the window: 409, the same problem as any duplicate', async () => {
    const request = newRequest();
    const first = await register(request);
    expect(first.statusCode).toBe(201);
    const others = [
      { ...request, password: `${PASSWORD}!` },
      { ...request, displayName: 'Someone Else' },
    ];
    const bodies: unknown[] = [];
    for (const other of others) {
      const response = await register(other);
      expect(response.statusCode).toBe(409);
      expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      bodies.push(response.json());
    }
    // The window is over: even the very same request is now another registration.
    await sut.db.query(`UPDATE users SET created_at = now() - make_interval(secs => $2) WHERE email = $1`, [request.email, WINDOW_SECONDS + 1]);
    const late = await register(request);
    expect(late.statusCode).toBe(409);
    bodies.push(late.json());
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
    expect(JSON.stringify(bodies)).not.toContain(first.json<{ id: string }>().id);
  });
});
