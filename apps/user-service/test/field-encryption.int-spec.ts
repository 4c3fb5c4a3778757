import { FieldKeyRewrap } from '@ecotrack/field-encryption';
import { freePort, serviceEnv, spawnService, type ServiceProcess } from '@ecotrack/testing';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { PASSWORD, startUserService, uniqueEmail, type UserServiceUnderTest } from './support';

/** The operator's side (the service's policy may not rotate): the dev root token, as `bao write -f transit/keys/<key>/rotate` would. */
async function bao(path: string, method: 'GET' | 'POST' = 'GET'): Promise<{ data: Record<string, unknown> }> {
  const response = await fetch(`${process.env.OPENBAO_ADDR}/v1/${path}`, { method, headers: { 'X-Vault-Token': process.env.OPENBAO_DEV_ROOT_TOKEN! } });
  if (!response.ok) throw new Error(`OpenBao ${method} ${path}: ${response.status}`);
  return response.status === 204 ? { data: {} } : ((await response.json()) as { data: Record<string, unknown> });
}
const latestVersion = async () => Number((await bao('transit/keys/personal-fields')).data.latest_version);
const versionOf = (ciphertext: string) => Number(/^vault:v(\d+):/.exec(ciphertext)?.[1]);

interface Row {
  display_name: string | null;
  display_name_ciphertext: string | null;
}

/** Personal fields are transit ciphertext in PostgreSQL, plaintext only in the API; they survive a key rotation and rewrap. */
describe('user-service: personal fields encrypted with OpenBao transit (key personal-fields)', () => {
  let sut: UserServiceUnderTest;
  const emails: string[] = [];
  const name = (tag: string) => `${tag} Lovelace-${randomUUID().slice(0, 8)}`;
  let admin: string;

  const call = (method: 'GET' | 'POST' | 'PATCH', url: string, token?: string, payload?: object) =>
    sut.app.inject({ method, url, payload, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const register = async (displayName: string, roles?: string[]) => {
    const email = uniqueEmail('crypto');
    emails.push(email);
    const created = await call('POST', '/v1/users', undefined, { email, displayName, password: PASSWORD });
    expect(created.statusCode).toBe(201);
    if (roles) await sut.db.query('UPDATE users SET roles = $2 WHERE email = $1', [email, roles]);
    const session = await call('POST', '/v1/sessions', undefined, { email, password: PASSWORD });
    return { id: created.json<{ id: string }>().id, token: session.json<{ accessToken: string }>().accessToken, created: created.json() };
  };
  const row = async (id: string): Promise<Row & Record<string, unknown>> => (await sut.db.query('SELECT * FROM users WHERE id = $1', [id]))[0];
  const expectEncrypted = (stored: Row & Record<string, unknown>, plaintext: string) => {
    expect(stored.display_name).toBeNull();
    expect(stored.display_name_ciphertext).toMatch(/^vault:v\d+:[A-Za-z0-9+/=]+$/);
    expect(JSON.stringify(stored)).not.toContain(plaintext);
  };
  const rewrap = async () => {
    const response = await call('POST', '/v1/admin/field-keys/rewrap', admin);
    expect(response.statusCode).toBe(200);
    return response.json<{ key: string; latestVersion: number; oldestVersionInUse: number | null; rewrapped: number; encrypted: number; skipped: number }>();
  };

  beforeAll(async () => {
    // The schedule stays off here (if the config knows the knob): this suite runs the job itself.
    sut = await startUserService({ FIELD_KEY_REWRAP_INTERVAL_SECONDS: '0' });
    admin = (await register('Field Admin', ['customer', 'admin'])).token;
  }, 60_000);
  afterAll(async () => {
    await sut?.db.query('DELETE FROM users WHERE email = ANY($1)', [emails]);
    await sut?.app.close();
  });

  it('stores the display name as ciphertext only; the API returns the plaintext', async () => {
    const displayName = name('Ada');
    const { id, token, created } = await register(displayName);
    expect(created).toMatchObject({ id, displayName });
    expectEncrypted(await row(id), displayName);
    expect((await call('GET', '/v1/users/me', token)).json()).toMatchObject({ id, displayName });
    expect((await call('GET', `/v1/users/${id}`, admin)).json()).toMatchObject({ id, displayName });

    const renamed = name('Augusta');
    const before = (await row(id)).display_name_ciphertext;
    expect((await call('PATCH', '/v1/users/me', token, { displayName: renamed })).json()).toMatchObject({ displayName: renamed });
    const after = await row(id);
    expectEncrypted(after, renamed);
    expect(after.display_name_ciphertext).not.toBe(before);
    expect((await call('GET', '/v1/users/me', token)).json()).toMatchObject({ displayName: renamed });
  });

  it('the database refuses plaintext in the ciphertext column', async () => {
    const { id } = await register(name('Check'));
    await expect(sut.db.query(`UPDATE users SET display_name_ciphertext = 'plain text, not a ciphertext' WHERE id = $1`, [id])).rejects.toThrow(/users_display_name_ciphertext_check/);
  });

  it('after the key is rotated, the rewrap moves every row to the latest version and the names still decrypt', async () => {
    const people = await Promise.all([name('Grace'), name('Zoë Ünal 🌱'), name('Edsger')].map(async (displayName) => ({ displayName, ...(await register(displayName)) })));
    const versionBefore = await latestVersion();
    for (const person of people) expect(versionOf((await row(person.id)).display_name_ciphertext!)).toBe(versionBefore);

    await bao('transit/keys/personal-fields/rotate', 'POST');
    const latest = await latestVersion();
    expect(latest).toBeGreaterThan(versionBefore);
    // Rows keep their version until rewrapped, and still decrypt meanwhile (older versions stay usable).
    expect(versionOf((await row(people[0].id)).display_name_ciphertext!)).toBe(versionBefore);
    expect((await call('GET', '/v1/users/me', people[0].token)).json()).toMatchObject({ displayName: people[0].displayName });

    const report = await rewrap();
    expect(report).toMatchObject({ key: 'personal-fields', latestVersion: latest, skipped: expect.any(Number) });
    expect(report.rewrapped).toBeGreaterThanOrEqual(people.length);
    for (const person of people) {
      const stored = await row(person.id);
      expectEncrypted(stored, person.displayName);
      expect(versionOf(stored.display_name_ciphertext!)).toBe(latest);
      expect((await call('GET', '/v1/users/me', person.token)).json()).toMatchObject({ displayName: person.displayName });
    }
    // Nothing left on an older version: the operator may now raise min_decryption_version.
    expect(report.oldestVersionInUse).toBe(latest);
  });

  it('encrypts a plaintext leftover from before the migration, which reads the same before and after', async () => {
    const { id, token } = await register(name('Legacy'));
    const legacy = name('Charles');
    // A row as the previous version wrote it.
    await sut.db.query('UPDATE users SET display_name = $2, display_name_ciphertext = NULL WHERE id = $1', [id, legacy]);
    expect((await call('GET', '/v1/users/me', token)).json()).toMatchObject({ displayName: legacy });

    const report = await rewrap();
    expect(report.encrypted).toBeGreaterThanOrEqual(1);
    const stored = await row(id);
    expectEncrypted(stored, legacy);
    expect(versionOf(stored.display_name_ciphertext!)).toBe(await latestVersion());
    expect((await call('GET', '/v1/users/me', token)).json()).toMatchObject({ displayName: legacy });
  });

  it('a scheduled run is skipped while another replica runs the job (advisory lock)', async () => {
    const job = sut.app.get(FieldKeyRewrap);
    const otherReplica = sut.db.createQueryRunner();
    await otherReplica.connect();
    try {
      await otherReplica.query('SELECT pg_advisory_lock(hashtext($1))', ['field-key-rewrap:personal-fields']);
      expect(await job.rewrapAllExclusive()).toBeUndefined();
      await otherReplica.query('SELECT pg_advisory_unlock(hashtext($1))', ['field-key-rewrap:personal-fields']);
    } finally {
      await otherReplica.release();
    }
    expect(await job.rewrapAllExclusive()).toMatchObject({ key: 'personal-fields', latestVersion: await latestVersion() });
  });

  it('the rewrap route is for admins only', async () => {
    const { token } = await register(name('Customer'));
    expect((await call('POST', '/v1/admin/field-keys/rewrap', token)).statusCode).toBe(403);
    expect((await call('POST', '/v1/admin/field-keys/rewrap')).statusCode).toBe(401);
  });
});

describe('user-service as a real process', () => {
  let proc: ServiceProcess | undefined;
  afterEach(async () => {
    await proc?.stop('SIGKILL');
    proc = undefined;
  });

  it('with OpenBao: the name is returned, and appears neither in its logs (at trace level) nor in the database', async () => {
    proc = spawnService('user-service', await freePort(), {
      ...serviceEnv(process.env as Record<string, string>, 'user-service'),
      NODE_ENV: 'development',
      LOG_LEVEL: 'trace',
      SHUTDOWN_DRAIN_DELAY_MS: '0',
    });
    await proc.waitUntilReady();
    const displayName = `Process Lovelace-${randomUUID()}`;
    const email = uniqueEmail('crypto-process');
    const post = (path: string, body: object, headers: Record<string, string> = {}) =>
      fetch(`${proc!.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    expect((await post('/v1/users', { email, displayName, password: PASSWORD })).status).toBe(201);
    const { accessToken } = (await (await post('/v1/sessions', { email, password: PASSWORD })).json()) as { accessToken: string };
    const me = (await (await fetch(`${proc.baseUrl}/v1/users/me`, { headers: { authorization: `Bearer ${accessToken}` } })).json()) as { displayName: string };
    expect(me.displayName).toBe(displayName);
    await proc.stop('SIGTERM');
    expect([...proc.stdout, ...proc.stderr].join('\n')).not.toContain(displayName);

    const db = new DataSource({ type: 'postgres', url: process.env.USER_SERVICE_DATABASE_URL });
    await db.initialize();
    try {
      const [stored] = await db.query('SELECT * FROM users WHERE email = $1', [email]);
      expect(stored.display_name_ciphertext).toMatch(/^vault:v\d+:/);
      expect(JSON.stringify(stored)).not.toContain(displayName);
    } finally {
      await db.query('DELETE FROM users WHERE email = $1', [email]);
      await db.destroy();
    }
  }, 90_000);

  it('refuses to start: field encryption has no plaintext fallback', async () => {
    const { OPENBAO_ADDR: _address, OPENBAO_SECRET_ID_FILE: _file, ...env } = serviceEnv(process.env as Record<string, string>, 'user-service');
    proc = spawnService('user-service', await freePort(), { ...env, NODE_ENV: 'development' });
    expect(await proc.exited).not.toBe(0);
    expect([...proc.stdout, ...proc.stderr].join('\n')).toContain('field encryption needs OpenBao: set OPENBAO_ADDR');
  }, 60_000);
});
