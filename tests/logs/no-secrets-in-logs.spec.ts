import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// Plain JS so the suite's last step runs without a build.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { scan, secretsOfEnv, stringsOf, logFiles, verdict, parseArgs } = require('./no-secrets-in-logs.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { PersonalDataMatcher, findIn } = require('./personal-data.js');

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

  describe('personal data in clear', () => {
    const people = [
      { email: 'ada-7f3c@example.org', name: 'Ada "Countess" Lovelace' },
      { email: 'bob-91ad@example.org', name: 'Bob' },
      { email: 'carol-04be@example.org', name: null },
    ];
    const clean = [
      { where: 'outbox of ecotrack_user: UserRegistered 1', text: JSON.stringify({ type: 'UserRegistered', version: 2, payload: { email: 'vault:v1:QWRhIExvdmVsYWNl' } }) },
      { where: 'Kafka user.events/0@7', text: 'key\n{"type":"EmailVerified","payload":{"name":"vault:v1:Qm9i"}}' },
    ];

    it('finds a planted address and name in an outbox row, a Kafka message (JSON-escaped) and a log line, saying where and what, never the value', () => {
      const matcher = new PersonalDataMatcher(people);
      expect({ emails: matcher.emails, names: matcher.names, skipped: matcher.skippedNames }).toEqual({ emails: 3, names: 1, skipped: 1 });
      expect(findIn(clean, matcher)).toEqual([]);

      const leaks = [
        { where: 'outbox of ecotrack_user: UserRegistered 2', text: JSON.stringify({ type: 'UserRegistered', version: 1, payload: { email: 'carol-04be@example.org' } }) },
        { where: 'Kafka user.events/1@12', text: `k\n${JSON.stringify({ payload: { name: 'Ada "Countess" Lovelace' } })}` },
        { where: 'logs/notification-service.log', text: 'line one\n{"msg":"mail to bob-91ad@example.org failed"}\n' },
      ];
      const findings = findIn([...clean, ...leaks], matcher);
      expect(findings).toEqual([
        { where: 'outbox of ecotrack_user: UserRegistered 2', line: 1, kind: 'email' },
        { where: 'Kafka user.events/1@12', line: 2, kind: 'display name' },
        { where: 'logs/notification-service.log', line: 2, kind: 'email' },
      ]);
      expect(JSON.stringify(findings)).not.toMatch(/example\.org|Lovelace/);
    });

    it('a short display name is not searched (it would match by chance), an address always is', () => {
      const matcher = new PersonalDataMatcher([{ email: 'bo@x.io', name: 'Bob' }]);
      expect(findIn([{ where: 'log', text: 'Bob says hi to bo@x.io' }], matcher)).toEqual([{ where: 'log', line: 1, kind: 'email' }]);
    });

    it('the verdict fails on a leak of either kind, and when nothing was searched (no accounts, no rows or messages)', () => {
      const secrets = { findings: [], secretCount: 10, files: 3 };
      const matcher = new PersonalDataMatcher(people);
      const searched = { outboxRows: 2, kafkaMessages: 5 };
      expect(verdict(secrets, { findings: [], matcher, searched })).toBe(true);
      expect(verdict(secrets, { findings: findIn([{ where: 'x', text: 'bob-91ad@example.org' }], matcher), matcher, searched })).toBe(false);
      expect(verdict({ ...secrets, findings: [{ file: 'f', line: 1, secretIndex: 0 }] }, { findings: [], matcher, searched })).toBe(false);
      expect(verdict(secrets, { findings: [], matcher: new PersonalDataMatcher([]), searched })).toBe(false);
      expect(verdict(secrets, { findings: [], matcher, searched: { outboxRows: 0, kafkaMessages: 0 } })).toBe(false);
    });

    it('takes the state dir and --since in any order; without --since, everything', () => {
      expect(parseArgs(['/tmp/state', '--since', '2026-12-01T10:00:00Z'])).toEqual({ state: '/tmp/state', since: new Date('2026-12-01T10:00:00Z') });
      expect(parseArgs(['--since', '2026-12-01T10:00:00Z', '/tmp/state']).state).toBe('/tmp/state');
      expect(parseArgs(['/tmp/state']).since).toEqual(new Date(0));
      expect(() => parseArgs(['--since', 'yesterday'])).toThrow('--since: not a time: yesterday');
    });
  });
});
