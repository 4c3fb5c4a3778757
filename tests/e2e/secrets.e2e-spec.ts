import { SERVICE_PORTS, SERVICES, STATE_DIR, WORKSPACE_ROOT } from '@ecotrack/testing';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { secretsOfEnv } = require('../logs/no-secrets-in-logs.js');

/** Everything a running service may find in its environment: no credential, no key, no token. */
const ALLOWED = new Set([
  'PATH', 'HOME', 'NODE_ENV', 'HOST', 'PORT', 'LOG_LEVEL', 'DATABASE_URL', 'KAFKA_BROKERS',
  'OPENBAO_ADDR', 'OPENBAO_ROLE', 'OPENBAO_ENVIRONMENT', 'OPENBAO_SECRET_ID_FILE',
  'OTEL_EXPORTER_OTLP_ENDPOINT', 'PRODUCT_SERVICE_URL', 'JWT_JWKS_URL', 'SHUTDOWN_DRAIN_DELAY_MS',
  'STRIPE_API_BASE', 'EMAIL_PROVIDER', 'SMTP_URL', 'EMAIL_FROM',
]);

function environmentOf(service: string): Record<string, string> {
  const pid = readFileSync(path.join(STATE_DIR, 'run', `${service}.pid`), 'utf8').trim();
  const env: Record<string, string> = {};
  for (const entry of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean)) {
    const at = entry.indexOf('=');
    env[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return env;
}

function envFile(name: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of readFileSync(path.join(STATE_DIR, name), 'utf8').split('\n')) {
    const match = /^(?:export\s+)?([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match) values[match[1]] = match[2];
  }
  return values;
}

describe('secrets of the running services (./ecotrack up)', () => {
  const known: string[] = [...secretsOfEnv(envFile('stack.env')), ...secretsOfEnv(envFile('providers.env'))];

  it.each(SERVICES)('%s was started with OpenBao address and auth role only, nothing secret', (service) => {
    const env = environmentOf(service);
    expect(Object.keys(env).filter((name) => !ALLOWED.has(name))).toEqual([]);
    expect(env).toMatchObject({ OPENBAO_ROLE: service, OPENBAO_ADDR: expect.stringMatching(/^http/) });
    expect(new URL(env.DATABASE_URL).password).toBe('');
    expect(new URL(env.DATABASE_URL).username).toBe('');
    expect(known.length).toBeGreaterThan(5);
    for (const value of Object.values(env)) for (const secret of known) expect(value.includes(secret)).toBe(false);
    // The AppRole secret id is a file only the service's user can read, as a service-account token is.
    expect(statSync(env.OPENBAO_SECRET_ID_FILE).mode & 0o077).toBe(0);
  });

  it.each(SERVICES)('%s reports OpenBao as a dependency and its lease metrics', async (service) => {
    const base = `http://127.0.0.1:${SERVICE_PORTS[service]}`;
    expect(((await (await fetch(`${base}/health/ready`)).json()) as { checks: Record<string, string> }).checks.openbao).toBe('up');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^ecotrack_secrets_lease_ttl_seconds\{[^}]*kind="database"[^}]*\} [1-9][\d.]*/m);
    expect(metrics).toMatch(/^ecotrack_secrets_lease_ttl_seconds\{[^}]*kind="token"[^}]*\} [1-9][\d.]*/m);
  });

  it("one service's login cannot read another's secrets: OpenBao answers 403 and the audit report counts the denial", async () => {
    const since = new Date().toISOString();
    const bao = (path: string, init: RequestInit = {}) => fetch(`${process.env.OPENBAO_ADDR}/v1/${path}`, init);
    // Log in exactly as the running product-service does: its role and its secret-id file.
    const secretId = readFileSync(path.join(STATE_DIR, 'openbao', 'approle', 'product-service.secret-id'), 'utf8').trim();
    const login = (await (await bao('auth/approle/login', { method: 'POST', body: JSON.stringify({ role_id: 'product-service', secret_id: secretId }) })).json()) as {
      auth: { client_token: string };
    };
    const headers = { 'X-Vault-Token': login.auth.client_token };
    expect((await bao('secret/data/ecotrack/local/product-service', { headers })).status).toBe(200);
    for (const other of ['secret/data/ecotrack/local/payment-service', 'secret/data/ecotrack/local/user-service/jwt-signing-keys', 'database/creds/order-service']) {
      expect((await bao(other, { headers })).status).toBe(403);
    }
    expect((await bao('transit/encrypt/personal-fields', { method: 'POST', headers, body: JSON.stringify({ plaintext: 'eA==' }) })).status).toBe(403);

    const report = JSON.parse(
      execFileSync('python3', [path.join(WORKSPACE_ROOT, 'tools/openbao/audit-report.py'), path.join(STATE_DIR, 'openbao', 'audit.log'), '--since', since, '--denied', '--json'], { encoding: 'utf8' }),
    ) as { denied: number; by_identity_path: Array<{ identity: string; path: string; count: number }> };
    const denials = report.by_identity_path.filter((row) => row.identity === 'approle/product-service').map((row) => row.path).sort();
    expect(denials).toEqual([
      'database/creds/order-service',
      'secret/data/ecotrack/local/payment-service',
      'secret/data/ecotrack/local/user-service/jwt-signing-keys',
      'transit/encrypt/personal-fields',
    ]);
    await bao('auth/token/revoke-self', { method: 'POST', headers });
  });

  it('every service session in PostgreSQL logs in with a dynamic OpenBao login, acting as its service role', async () => {
    const client = new Client({ connectionString: process.env.POSTGRES_ADMIN_URL });
    await client.connect();
    try {
      // A pool closes idle connections and recycles them before their login expires, so a quiet
      // service may hold none at a given moment: look a few times (readiness makes each one query)
      // until every service was seen, and every session seen must be a dynamic login.
      const seen = new Map<string, Set<string>>();
      for (let attempt = 0; attempt < 20 && seen.size < SERVICES.length; attempt++) {
        await Promise.all(SERVICES.map((service) => fetch(`http://127.0.0.1:${SERVICE_PORTS[service]}/health/ready`).then((r) => r.text())));
        const { rows } = await client.query<{ application_name: string; usename: string }>(
          `SELECT DISTINCT application_name, usename FROM pg_stat_activity WHERE application_name = ANY($1)`,
          [SERVICES],
        );
        for (const row of rows) seen.set(row.application_name, (seen.get(row.application_name) ?? new Set()).add(row.usename));
        if (seen.size < SERVICES.length) await sleep(500);
      }
      expect([...seen.keys()].sort()).toEqual([...SERVICES].sort());
      for (const [service, logins] of seen) for (const login of logins) expect(`${service}: ${login}`).toMatch(new RegExp(`^${service}: v-approle-`));
    } finally {
      await client.end();
    }
  });
});
