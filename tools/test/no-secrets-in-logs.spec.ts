import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// Plain JS so the suite's last step runs without a build.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { scan, secretsOfEnv, stringsOf, logFiles } = require('./no-secrets-in-logs.js');

describe('no-secrets-in-logs', () => {
  it('takes URL passwords and *_TOKEN/*_KEY/*_SECRET values from an env file, not the rest', () => {
    expect(
      secretsOfEnv({
        POSTGRES_ADMIN_URL: 'postgresql://admin:s3cr3t-password-1@127.0.0.1:5432/postgres',
        OPENBAO_DEV_ROOT_TOKEN: 'root-token-0123456789',
        STRIPE_SECRET_KEY: 'sk_test_0123456789abcdef',
        KAFKA_BROKERS: '127.0.0.1:9092',
      }),
    ).toEqual(['s3cr3t-password-1', 'root-token-0123456789', 'sk_test_0123456789abcdef']);
  });

  it('takes every line of a PEM as well as the whole value, but not key ids and timestamps', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49\nAwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----';
    const ring = { keys: [{ kid: 'k1', created_at: '2026-11-26T00:00:00Z', private_key_pem: pem }] };
    expect(stringsOf(ring, [])).toEqual([pem, 'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49', 'AwEHBG0wawIBAQQg']);
  });

  it('finds a planted secret with its file and line, ignores short strings, and skips the files that hold secrets', () => {
    const state = mkdtempSync(path.join(tmpdir(), 'scan-'));
    mkdirSync(path.join(state, 'logs'));
    mkdirSync(path.join(state, 'openbao', 'approle'), { recursive: true });
    writeFileSync(path.join(state, 'logs', 'svc.log'), 'line one\n{"msg":"token sk_test_0123456789abcdef leaked"}\n');
    writeFileSync(path.join(state, 'logs', 'clean.log'), 'nothing here, id 1234\n');
    writeFileSync(path.join(state, 'openbao', 'approle', 'svc.secret-id'), 'sk_test_0123456789abcdef');
    writeFileSync(path.join(state, 'stack.env'), 'X=sk_test_0123456789abcdef\n');

    const files: string[] = logFiles(state);
    expect(files.map((f) => path.relative(state, f)).sort()).toEqual(['logs/clean.log', 'logs/svc.log']);
    const result = scan(files, ['sk_test_0123456789abcdef', '1234']);
    expect(result.secretCount).toBe(1);
    expect(result.findings).toEqual([{ file: path.join(state, 'logs', 'svc.log'), line: 2, secretIndex: 0 }]);
  });
});
