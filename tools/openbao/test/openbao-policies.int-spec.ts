import { WORKSPACE_ROOT } from '@ecotrack/testing';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Client } from 'pg';

/**
 * OpenBao as code (tools/openbao/configure.sh) and the audit report, end to end.
 *
 * The test runs a dev server of its own (the cached `bao` of tools/stack, with the audit
 * device of tools/openbao/audit.hcl) and a state dir of its own, so it sees only its
 * own requests in the audit log and leaves the stack's OpenBao alone. It shares the
 * stack's PostgreSQL and Redis; its database connection users get their own prefix, and
 * are dropped at the end.
 */
const run = promisify(execFile);
const env = process.env as Record<string, string>;
const CONFIGURE = path.join(WORKSPACE_ROOT, 'tools/openbao/configure.sh');
const REPORT = path.join(WORKSPACE_ROOT, 'tools/openbao/audit-report.py');
const SERVICES = ['user-service', 'product-service', 'order-service', 'payment-service', 'notification-service'];
const POLICIES = [...SERVICES, 'secrets-rotator', 'external-secrets', 'openbao-snapshot'];
const baoBinary = path.join(
  process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'),
  'ecotrack/bin',
  `bao-${process.env.ECOTRACK_OPENBAO_VERSION ?? '2.7.2'}`,
);
const dbUrl = (service: string) => new URL(env[`${service.toUpperCase().replace(/-/g, '_')}_DATABASE_URL`]);

/** Two free consecutive loopback ports: the dev server also binds its cluster port, listen + 1. */
async function freePortPair(): Promise<number> {
  const tryListen = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    if ((await tryListen(port)) && (await tryListen(port + 1))) return port;
  }
  throw new Error('no two free consecutive ports');
}

/** The parts of OpenBao's answers this test reads. */
interface BaoBody {
  lease_id: string;
  lease_duration: number;
  renewable: boolean;
  data: {
    data: Record<string, string>;
    current_version: number;
    policy: string;
    latest_version: number;
    username: string;
    password: string;
  };
}

interface Snapshot {
  kvVersions: Record<string, number>;
  policies: Record<string, string>;
  secretIds: Record<string, string>;
  transitVersions: Record<string, number>;
}

describe('OpenBao as code: policies, AppRole, dynamic database logins, audit', () => {
  const state = mkdtempSync(path.join(os.tmpdir(), 'ecotrack-openbao-'));
  const rootToken = randomBytes(16).toString('hex');
  const stripeKey = `sk_test_${randomBytes(12).toString('hex')}`;
  const pgUserPrefix = `openbao_it${randomBytes(3).toString('hex')}`;
  let addr = '';
  let server: ChildProcess | undefined;
  const outputs: string[] = [];
  const snapshots: Snapshot[] = [];
  // what product-service gets during the test, for the audit log checks
  let secretId = '';
  let clientToken = '';
  let dbPassword = '';

  const api = async (apiPath: string, token: string, init: { method?: string; body?: unknown } = {}) => {
    const response = await fetch(`${addr}/v1/${apiPath}`, {
      method: init.method ?? 'GET',
      headers: { 'X-Vault-Token': token, 'Content-Type': 'application/json' },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as BaoBody };
  };
  const root = (apiPath: string, init?: { method?: string; body?: unknown }) => api(apiPath, rootToken, init);

  const configure = async () => {
    const { stdout } = await run('bash', [CONFIGURE, '--state-dir', state], {
      env: { ...process.env, ECOTRACK_STATE_DIR: state, ECOTRACK_OPENBAO_PG_USER_PREFIX: pgUserPrefix, ECOTRACK_OPENBAO_REQUIRE_AUDIT: '1' },
      timeout: 60_000,
    });
    outputs.push(stdout);
  };

  const snapshot = async (): Promise<Snapshot> => {
    const result: Snapshot = { kvVersions: {}, policies: {}, secretIds: {}, transitVersions: {} };
    for (const service of SERVICES) {
      const meta = await root(`secret/metadata/ecotrack/local/${service}`);
      expect(meta.status).toBe(200);
      result.kvVersions[service] = meta.body.data.current_version;
      result.secretIds[service] = readFileSync(path.join(state, 'openbao/approle', `${service}.secret-id`), 'utf8');
    }
    for (const name of POLICIES) {
      const policy = await root(`sys/policies/acl/${name}`);
      expect(policy.status).toBe(200);
      result.policies[name] = policy.body.data.policy;
    }
    for (const key of ['personal-fields', 'payment-fields', 'notification-fields']) {
      result.transitVersions[key] = (await root(`transit/keys/${key}`)).body.data.latest_version;
    }
    return result;
  };

  beforeAll(async () => {
    if (!existsSync(baoBinary)) throw new Error(`no OpenBao binary at ${baoBinary} (tools/stack/stack.sh install)`);
    const port = await freePortPair();
    addr = `http://127.0.0.1:${port}`;
    mkdirSync(path.join(state, 'openbao'), { recursive: true });
    // The stack's connection settings, with this test's OpenBao instead of the stack's.
    const keys = ['POSTGRES_ADMIN_URL', 'REDIS_URL', ...SERVICES.map((s) => `${s.toUpperCase().replace(/-/g, '_')}_DATABASE_URL`)];
    const lines = keys.map((key) => `export ${key}=${env[key]}`);
    lines.push(`export OPENBAO_ADDR=${addr}`, `export OPENBAO_DEV_ROOT_TOKEN=${rootToken}`);
    writeFileSync(path.join(state, 'stack.env'), `${lines.join('\n')}\n`, { mode: 0o600 });
    writeFileSync(path.join(state, 'providers.env'), `STRIPE_SECRET_KEY=${stripeKey}\n`, { mode: 0o600 });

    const log = openSync(path.join(state, 'openbao/server.log'), 'a', 0o600);
    server = spawn(
      baoBinary,
      ['server', '-dev', `-dev-listen-address=127.0.0.1:${port}`, `-config=${path.join(WORKSPACE_ROOT, 'tools/openbao/audit.hcl')}`],
      { cwd: path.join(state, 'openbao'), env: { PATH: env.PATH, HOME: path.join(state, 'openbao'), BAO_DEV_ROOT_TOKEN_ID: rootToken }, stdio: ['ignore', log, log] },
    );
    closeSync(log);
    for (let i = 0; ; i++) {
      const healthy = await fetch(`${addr}/v1/sys/health`).then((r) => r.ok, () => false);
      if (healthy) break;
      if (i > 100 || server.exitCode !== null) throw new Error(`the test's OpenBao did not start (${path.join(state, 'openbao/server.log')})`);
      await sleep(100);
    }

    await configure();
    snapshots.push(await snapshot());
    await configure();
    snapshots.push(await snapshot());
  }, 120_000);

  afterAll(async () => {
    if (server && server.exitCode === null) {
      // Revoking the leases drops the logins this test made in PostgreSQL.
      await root('sys/leases/revoke-prefix/database/creds', { method: 'PUT' }).catch(() => undefined);
      const exited = new Promise((resolve) => server!.once('exit', resolve));
      server.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000, undefined, { ref: false })]);
    }
    const admin = new Client({ connectionString: env.POSTGRES_ADMIN_URL });
    await admin.connect();
    try {
      for (const service of SERVICES) {
        const db = dbUrl(service).pathname.slice(1);
        const user = `${pgUserPrefix}_${db.replace(/^ecotrack_/, '')}`;
        const { rowCount } = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [user]);
        if (!rowCount) continue;
        await admin.query(`REVOKE CONNECT ON DATABASE "${db}" FROM "${user}"`);
        await admin.query(`DROP ROLE "${user}"`);
      }
    } finally {
      await admin.end();
    }
    rmSync(state, { recursive: true, force: true });
  }, 60_000);

  it('the first run creates everything, the second changes nothing (KV versions, policies, secret ids)', () => {
    expect(outputs[0]).toContain(`[openbao] policies: ${POLICIES.length}\n`);
    expect(outputs[0]).toMatch(/database: 5 connections \(5 new/);
    expect(outputs[0]).toMatch(/approle: 5 roles, 5 secret_id\(s\) minted/);
    expect(outputs[0]).toMatch(/kv seed: 5 entries .*\(5 written\)/);
    expect(outputs[1]).toMatch(/database: 5 connections \(0 new/);
    expect(outputs[1]).toMatch(/approle: 5 roles, 0 secret_id\(s\) minted/);
    expect(outputs[1]).toMatch(/kv seed: 5 entries .*\(0 written\)/);
    expect(snapshots[1]).toEqual(snapshots[0]);
    expect(Object.values(snapshots[0].kvVersions)).toEqual([1, 1, 1, 1, 1]);
    for (const name of POLICIES) {
      expect(snapshots[0].policies[name]).toBe(readFileSync(path.join(WORKSPACE_ROOT, 'deploy/openbao/policies', `${name}.hcl`), 'utf8').trimEnd());
    }
    // the secret ids are private files in a private directory
    expect(statSync(path.join(state, 'openbao/approle')).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(state, 'openbao/approle/product-service.secret-id')).mode & 0o777).toBe(0o600);
    // and configure.sh prints no secret
    const printed = outputs.join('\n');
    const secrets = { rootToken, stripeKey, redisPassword: decodeURIComponent(new URL(env.REDIS_URL).password), ...snapshots[0].secretIds };
    expect(Object.entries(secrets).filter(([, value]) => value && printed.includes(value)).map(([name]) => name)).toEqual([]);
  });

  it('product-service logs in with its AppRole (role id = its name) and reads its own KV entry', async () => {
    secretId = readFileSync(path.join(state, 'openbao/approle/product-service.secret-id'), 'utf8').trim();
    const login = await fetch(`${addr}/v1/auth/approle/login`, {
      method: 'POST',
      body: JSON.stringify({ role_id: 'product-service', secret_id: secretId }),
    });
    expect(login.status).toBe(200);
    const auth = ((await login.json()) as { auth: { client_token: string; policies: string[]; metadata: Record<string, string> } }).auth;
    clientToken = auth.client_token;
    expect(auth.policies.sort()).toEqual(['default', 'product-service']);
    expect(auth.metadata).toEqual({ role_name: 'product-service' });

    const own = await api('secret/data/ecotrack/local/product-service', clientToken);
    expect(own.status).toBe(200);
    const entry = own.body.data.data as Record<string, string>;
    expect(Object.keys(entry).sort()).toEqual(['internal_caller_credential_digests', 'redis_url', 'service_credential']);
    expect(entry.redis_url).toBe(env.REDIS_URL);
    // Its own credential, and only digests of everyone's: it cannot pose as another service.
    expect(entry.service_credential).toMatch(/^[0-9a-f]{48}$/);
    const digests = new Map(entry.internal_caller_credential_digests.split(',').map((pair) => pair.split(':') as [string, string]));
    expect([...digests.keys()]).toEqual(SERVICES);
    expect(digests.get('product-service')).toBe(createHash('sha256').update(entry.service_credential).digest('hex'));
    const order = (await root('secret/data/ecotrack/local/order-service')).body.data.data as Record<string, string>;
    expect(order.service_credential).not.toBe(entry.service_credential);
    expect(digests.get('order-service')).toBe(createHash('sha256').update(order.service_credential).digest('hex'));
  });

  it("product-service is denied payment-service's KV entry, database logins and transit key", async () => {
    expect((await api('secret/data/ecotrack/local/payment-service', clientToken)).status).toBe(403);
    expect((await api('database/creds/payment-service', clientToken)).status).toBe(403);
    expect((await api('transit/encrypt/payment-fields', clientToken, { method: 'POST', body: { plaintext: 'aGVsbG8=' } })).status).toBe(403);
    // while payment-service's own entry holds what configure.sh seeded
    const payment = (await root('secret/data/ecotrack/local/payment-service')).body.data.data;
    expect(Object.keys(payment).sort()).toEqual(['internal_caller_credential_digests', 'redis_url', 'service_credential', 'stripe_secret_key', 'stripe_webhook_secret']);
    expect(payment.stripe_secret_key).toBe(stripeKey);
    expect(payment.stripe_webhook_secret).toMatch(/^whsec_[0-9a-f]{48}$/);
  });

  it('its database login works: a fresh role that acts as the service owner role', async () => {
    const creds = await api('database/creds/product-service', clientToken);
    expect(creds.status).toBe(200);
    expect(creds.body.lease_duration).toBe(60);
    expect(creds.body.renewable).toBe(true);
    dbPassword = creds.body.data.password;
    const service = dbUrl('product-service');
    const client = new Client({
      host: service.hostname,
      port: Number(service.port || 5432),
      database: service.pathname.slice(1),
      user: creds.body.data.username,
      password: dbPassword,
    });
    await client.connect();
    try {
      const who = await client.query('SELECT current_user AS current, session_user AS session');
      expect(who.rows[0]).toEqual({ current: decodeURIComponent(service.username), session: creds.body.data.username });
      const migrations = await client.query('SELECT count(*)::int AS n FROM schema_migrations');
      expect(migrations.rows[0].n).toBeGreaterThan(0);
    } finally {
      await client.end();
    }
    // its token may renew that lease
    const renewed = await api('sys/leases/renew', clientToken, { method: 'PUT', body: { lease_id: creds.body.lease_id } });
    expect(renewed.status).toBe(200);
  });

  it("the audit report shows the denials under product-service's identity", async () => {
    const log = path.join(state, 'openbao/audit.log');
    const { stdout } = await run('python3', [REPORT, log, '--denied', '--json']);
    const report = JSON.parse(stdout) as { denied: number; by_identity_path: Array<{ identity: string; role_name: string; path: string; count: number }> };
    const denied = report.by_identity_path.filter((row) => row.role_name === 'product-service').map((row) => row.path).sort();
    expect(denied).toEqual(['database/creds/payment-service', 'secret/data/ecotrack/local/payment-service', 'transit/encrypt/payment-fields']);
    expect(report.by_identity_path.every((row) => row.identity === 'approle/product-service')).toBe(true);
    expect(report.denied).toBe(3);

    await expect(run('python3', [REPORT, log, '--fail-on-denied'])).rejects.toMatchObject({ code: 1 });
    const { stdout: summary } = await run('python3', [REPORT, log]);
    expect(summary).toMatch(/approle\/product-service .*3 denied/);
    expect(summary).toMatch(/ok +read +database\/creds\/product-service/);
  });

  it('no secret value appears in the audit log', () => {
    const log = readFileSync(path.join(state, 'openbao/audit.log'), 'utf8');
    // the requests are there, with their values HMAC-ed
    expect(log).toContain('"path":"database/creds/product-service"');
    expect(log).toContain('"secret_id":"hmac-sha256:');
    const secrets: Record<string, string> = {
      secretId,
      clientToken,
      dbPassword,
      rootToken,
      stripeKey,
      redisPassword: decodeURIComponent(new URL(env.REDIS_URL).password),
      webhookSecret: readFileSync(path.join(state, 'openbao/seed/stripe_webhook_secret'), 'utf8'),
    };
    expect(Object.entries(secrets).filter(([, value]) => !value)).toEqual([]);
    // names only: a failure must not print the values
    expect(Object.entries(secrets).filter(([, value]) => log.includes(value)).map(([name]) => name)).toEqual([]);
  });

  it('sealed event fields (key notification-fields): user-service may only encrypt, notification-service may only decrypt what it sealed', async () => {
    const login = async (service: string) => {
      const id = readFileSync(path.join(state, 'openbao/approle', `${service}.secret-id`), 'utf8').trim();
      const response = await fetch(`${addr}/v1/auth/approle/login`, { method: 'POST', body: JSON.stringify({ role_id: service, secret_id: id }) });
      expect(response.status).toBe(200);
      return ((await response.json()) as { auth: { client_token: string } }).auth.client_token;
    };
    const [sealer, opener] = [await login('user-service'), await login('notification-service')];
    const plaintext = Buffer.from(`ada-${randomBytes(4).toString('hex')}@example.org`).toString('base64');

    const sealed = await api('transit/encrypt/notification-fields', sealer, { method: 'POST', body: { plaintext } });
    expect(sealed.status).toBe(200);
    const ciphertext = (sealed.body.data as unknown as { ciphertext: string }).ciphertext;
    expect(ciphertext).toMatch(/^vault:v1:/);
    const opened = await api('transit/decrypt/notification-fields', opener, { method: 'POST', body: { ciphertext } });
    expect(opened.status).toBe(200);
    expect((opened.body.data as unknown as { plaintext: string }).plaintext).toBe(plaintext);

    // The other way round, and the other services: refused.
    expect((await api('transit/decrypt/notification-fields', sealer, { method: 'POST', body: { ciphertext } })).status).toBe(403);
    expect((await api('transit/encrypt/notification-fields', opener, { method: 'POST', body: { plaintext } })).status).toBe(403);
    expect((await api('transit/decrypt/notification-fields', clientToken, { method: 'POST', body: { ciphertext } })).status).toBe(403);
    expect((await api('transit/decrypt/personal-fields', opener, { method: 'POST', body: { ciphertext } })).status).toBe(403);
    // the key is there like the others: aes256-gcm96, not exportable
    const key = (await root('transit/keys/notification-fields')).body.data as unknown as { type: string; exportable: boolean; deletion_allowed: boolean };
    expect(key).toMatchObject({ type: 'aes256-gcm96', exportable: false, deletion_allowed: false });
  });
});
