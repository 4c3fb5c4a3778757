import { freePort, serviceEnv, spawnService, type ServiceProcess } from '@ecotrack/testing';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';

type Line = Record<string, unknown> & { msg?: string; req?: { url?: string } };

/**
 * The fields every log line carries, on a real user-service process (its own logger, guard and
 * preload): trace_id inside a request, user_id (the token's subject, never the email) once the
 * request is authenticated and never before or outside a request, and the login failure line
 * the authentication-failure alert counts by client IP.
 */
describe('log line fields: trace id, user id, login failures by client IP', () => {
  const infra = serviceEnv(process.env as Record<string, string>, 'user-service');
  const email = `log-fields-${randomUUID()}@example.org`;
  const password = 'correct horse battery staple';
  let proc: ServiceProcess;

  beforeAll(async () => {
    proc = spawnService('user-service', await freePort(), { ...infra, NODE_ENV: 'development', SHUTDOWN_DRAIN_DELAY_MS: '0' });
    await proc.waitUntilReady();
  }, 60_000);

  afterAll(async () => {
    await proc?.stop('SIGKILL');
    const db = new Client({ connectionString: infra.DATABASE_URL });
    await db.connect();
    await db.query('DELETE FROM users WHERE email = $1', [email]);
    await db.end();
  });

  const call = (method: string, path: string, body?: unknown, token?: string) =>
    fetch(`${proc.baseUrl}${path}`, {
      method,
      headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  const lines = (): Line[] => proc.stdout.flatMap((text) => (text.startsWith('{') ? [JSON.parse(text) as Line] : []));
  const closing = (method: string, url: string) => lines().filter((line) => line.msg === 'request completed' && (line.req as { method?: string })?.method === method && line.req?.url === url);

  it('carry the trace id in a request, the user id once authenticated, and log a failed login with the client IP only', async () => {
    expect((await call('POST', '/v1/users', { email, displayName: 'Log Fields', password })).status).toBe(201);
    expect((await call('POST', '/v1/sessions', { email, password: `${password}!` })).status).toBe(401);
    const login = await call('POST', '/v1/sessions', { email, password });
    expect(login.status).toBe(201);
    const { accessToken } = (await login.json()) as { accessToken: string };
    const subject = JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString()).sub as string;
    expect((await call('GET', '/v1/users/me', undefined, accessToken)).status).toBe(200);
    await proc.stop('SIGTERM'); // every line written

    const [me] = closing('GET', '/v1/users/me');
    expect(me).toMatchObject({ user_id: subject, trace_id: expect.stringMatching(/^[0-9a-f]{32}$/), span_id: expect.stringMatching(/^[0-9a-f]{16}$/) });

    const failure = lines().filter((line) => line.event === 'login_failed');
    expect(failure).toHaveLength(1);
    expect(failure[0]).toMatchObject({ level: 'warn', msg: 'login failed', client_ip: '127.0.0.1', trace_id: expect.stringMatching(/^[0-9a-f]{32}$/) });

    // Public routes and lines outside requests carry no user id; no line carries the email.
    const [registration] = closing('POST', '/v1/users');
    expect(registration).toMatchObject({ trace_id: expect.stringMatching(/^[0-9a-f]{32}$/) });
    for (const line of [registration, ...closing('POST', '/v1/sessions'), ...failure]) expect(line).not.toHaveProperty('user_id');
    const outside = lines().filter((line) => line.req === undefined && line.trace_id === undefined);
    expect(outside.length).toBeGreaterThan(0); // start-up and shutdown lines
    for (const line of outside) expect(line).not.toHaveProperty('user_id');
    expect(proc.stdout.join('\n')).not.toContain(email);
  }, 60_000);
});
