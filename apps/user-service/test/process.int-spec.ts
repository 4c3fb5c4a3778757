import { TokenVerifier } from '@ecotrack/platform';
import { serviceEnv, spawnService, type ServiceProcess } from '@ecotrack/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { PASSWORD, uniqueEmail } from './support';

interface TokenPair {
  accessToken: string;
  refreshToken: string;
}

const infra = () => serviceEnv(process.env as Record<string, string>, 'user-service');

describe('user-service as a real process', () => {
  let proc: ServiceProcess | undefined;
  afterEach(async () => {
    await proc?.stop('SIGKILL');
    proc = undefined;
  });

  it('refuses to start in production without OpenBao or a signing key, naming the variable (exit 78)', async () => {
    proc = spawnService('user-service', 13111, { ...infra(), NODE_ENV: 'production', OPENBAO_ADDR: undefined });
    expect(await proc.exited).toBe(78);
    expect(proc.stderr.join('\n')).toContain('JWT_SIGNING_KEY_PEM: required in production');
  });

  it('signs with the key ring from OpenBao, serves the JWKS; no secret ever reaches its logs', async () => {
    proc = spawnService('user-service', 13112, { ...infra(), NODE_ENV: 'development', LOG_LEVEL: 'trace', SHUTDOWN_DRAIN_DELAY_MS: '0', REFRESH_RETRY_WINDOW_SECONDS: '1' });
    await proc.waitUntilReady();
    expect(proc.stdout.join('\n')).not.toContain('NO SIGNING KEY CONFIGURED');
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${proc!.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

    const jwks = await fetch(`${proc.baseUrl}/.well-known/jwks.json`);
    expect(jwks.status).toBe(200);
    expect(jwks.headers.get('cache-control')).toMatch(/max-age/);
    const { keys } = (await jwks.json()) as { keys: unknown[] };
    expect(keys.length).toBeGreaterThanOrEqual(1);
    for (const key of keys) expect(key).toEqual(expect.objectContaining({ kid: expect.stringMatching(/^user-/), alg: 'ES256', use: 'sig' }));
    expect(JSON.stringify(keys)).not.toContain('"d"'); // public halves only

    const email = uniqueEmail('process');
    expect((await post('/v1/users', { email, displayName: 'Proc Ess', password: PASSWORD })).status).toBe(201);
    expect((await post('/v1/users', { email, displayName: 'Proc Ess', password: PASSWORD, roles: ['admin'] })).status).toBe(400);
    expect((await post('/v1/sessions', { email, password: `${PASSWORD}!` })).status).toBe(401);
    const first = (await (await post('/v1/sessions', { email, password: PASSWORD })).json()) as TokenPair;
    const second = (await (await post('/v1/sessions/refresh', { refreshToken: first.refreshToken })).json()) as TokenPair;
    // Sent again at once (a retried request): the same pair; after the retry window (1 s here): reuse.
    expect(await (await post('/v1/sessions/refresh', { refreshToken: first.refreshToken })).json()).toEqual(second);
    await sleep(1_200);
    expect((await post('/v1/sessions/refresh', { refreshToken: first.refreshToken })).status).toBe(401);

    // What any other service will do: verify against the JWKS over HTTP.
    const verifier = new TokenVerifier({
      issuer: 'urn:ecotrack:user-service',
      audience: 'ecotrack',
      keys: { jwksUrl: `${proc.baseUrl}/.well-known/jwks.json` },
    });
    await expect(verifier.verify(second.accessToken)).resolves.toMatchObject({ roles: ['customer'] });

    const db = new Client({ connectionString: infra().DATABASE_URL });
    await db.connect();
    try {
      const [{ password_hash: hash }] = (await db.query('SELECT password_hash FROM users WHERE email = $1', [email])).rows;
      await proc.stop('SIGTERM');
      const logs = [...proc.stdout, ...proc.stderr].join('\n');
      expect(logs).toContain('/v1/sessions/refresh'); // the requests were logged ...
      expect(logs).toContain('refresh token reuse detected'); // ... and the reuse, with its session id ...
      for (const secret of [hash, PASSWORD, first.refreshToken, second.refreshToken, first.accessToken, second.accessToken]) {
        expect(logs).not.toContain(secret); // ... but nothing secret in them
      }
      expect(logs).not.toContain(first.refreshToken.split('.')[1]);
    } finally {
      await db.query('DELETE FROM users WHERE email = $1', [email]);
      await db.end();
    }
  }, 60_000);
});
