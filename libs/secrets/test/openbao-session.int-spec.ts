import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { OpenBaoError, OpenBaoSecrets, openBaoSettings } from '../src';

/**
 * The OpenBao session against the real (dev) server: AppRole login, token
 * renewal and re-login at the max TTL, KV live reload, and a policy denial.
 * The test plays operator with the root token to make a role with short TTLs.
 */
const env = process.env as Record<string, string>;
const role = `session-test-${process.pid}-${Date.now()}`;
const kvPath = `ecotrack/session-test/${role}`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- OpenBao's JSON, read by the test
type Json = Record<string, any>;

async function asRoot(method: string, p: string, body?: unknown): Promise<Json> {
  const response = await fetch(`${env.OPENBAO_ADDR}/v1/${p}`, {
    method,
    headers: { 'X-Vault-Token': env.OPENBAO_DEV_ROOT_TOKEN, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${p}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? {} : ((await response.json()) as Json);
}

describe('OpenBao session (AppRole)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'openbao-session-'));
  const secretIdFile = path.join(dir, 'secret-id');
  let secrets: OpenBaoSecrets | undefined;

  const settings = (overrides: Record<string, string> = {}) =>
    openBaoSettings(
      { OPENBAO_ADDR: env.OPENBAO_ADDR, OPENBAO_SECRET_ID_FILE: secretIdFile, OPENBAO_ENVIRONMENT: 'session-test', OPENBAO_KV_REFRESH_MS: '1000', ...overrides },
      role,
    )!;

  beforeAll(async () => {
    await asRoot('PUT', `sys/policies/acl/${role}`, {
      policy: `path "secret/data/${kvPath}" { capabilities = ["read"] }\npath "secret/metadata/${kvPath}" { capabilities = ["read"] }`,
    });
    // Short TTLs so renewal and the max-TTL re-login both happen within the test.
    await asRoot('POST', `auth/approle/role/${role}`, { token_policies: [role], token_ttl: '3s', token_max_ttl: '7s' });
    await asRoot('POST', `auth/approle/role/${role}/role-id`, { role_id: role });
    const minted = await asRoot('POST', `auth/approle/role/${role}/secret-id`, {});
    writeFileSync(secretIdFile, minted.data.secret_id, { mode: 0o600 });
    await asRoot('POST', `secret/data/${kvPath}`, { data: { redis_url: 'redis://:first@127.0.0.1:6379', Not_Env: 'x' } });
  });

  afterAll(async () => {
    await secrets?.close();
    await asRoot('DELETE', `auth/approle/role/${role}`);
    await asRoot('DELETE', `sys/policies/acl/${role}`);
    await asRoot('DELETE', `secret/metadata/${kvPath}`);
  });

  it('logs in, maps KV properties to variables, renews and logs in again past the max TTL, and reloads a new KV version', async () => {
    secrets = await OpenBaoSecrets.connect(settings(), { databaseCredentials: false });
    expect(secrets.values).toEqual({ REDIS_URL: 'redis://:first@127.0.0.1:6379' });
    const changes: Array<Record<string, string>> = [];
    secrets.onValuesChanged((values) => changes.push({ ...values }));

    await asRoot('POST', `secret/data/${kvPath}`, { data: { redis_url: 'redis://:second@127.0.0.1:6379' } });
    // 12 s: several renewals of a 3 s token and at least one new login at its 7 s max TTL.
    await sleep(12_000);
    await expect(secrets.check()).resolves.toBeUndefined();
    expect(changes).toEqual([{ REDIS_URL: 'redis://:second@127.0.0.1:6379' }]);

    const registry = new Registry();
    secrets.registerMetrics(registry);
    const text = await registry.metrics();
    expect(Number(/ecotrack_secrets_rotations_total\{kind="token",result="success"\} (\d+)/.exec(text)?.[1])).toBeGreaterThanOrEqual(3);
    expect(text).toMatch(/ecotrack_secrets_rotations_total\{kind="kv",result="success"\} 1/);
    expect(Number(/ecotrack_secrets_lease_ttl_seconds\{kind="token"\} ([\d.]+)/.exec(text)?.[1])).toBeGreaterThan(0);
  }, 30_000);

  it("answers 403 for a path outside the role's policy", async () => {
    const other = await secrets!.kv.read('ecotrack/local/payment-service').catch((error: unknown) => error);
    expect(other).toBeInstanceOf(OpenBaoError);
    expect((other as OpenBaoError).status).toBe(403);
  });

  it('refuses a wrong secret id with a 4xx (start-up does not retry it)', async () => {
    const wrong = path.join(dir, 'wrong');
    writeFileSync(wrong, '00000000-0000-0000-0000-000000000000');
    const failure = await OpenBaoSecrets.connect(settings({ OPENBAO_SECRET_ID_FILE: wrong }), { databaseCredentials: false }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(OpenBaoError);
    expect((failure as OpenBaoError).status).toBeGreaterThanOrEqual(400);
    expect((failure as OpenBaoError).status).toBeLessThan(500);
  });
});
