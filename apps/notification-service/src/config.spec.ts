import { ConfigError, loadConfig } from '@ecotrack/platform';
import { createECDH, generateKeyPairSync } from 'node:crypto';
import { DEFAULT_PUSH_ENDPOINT_HOSTS, notificationConfig } from './config';

const platform = {
  DATABASE_URL: 'postgres://notification_service:pw@127.0.0.1:5432/ecotrack_notification',
  REDIS_URL: 'redis://:pw@127.0.0.1:6379',
  KAFKA_BROKERS: '127.0.0.1:9092',
  JWT_JWKS_URL: 'http://127.0.0.1:3001/.well-known/jwks.json',
};
const vapidPair = () => {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { VAPID_PUBLIC_KEY: ecdh.getPublicKey().toString('base64url'), VAPID_PRIVATE_KEY: ecdh.getPrivateKey().toString('base64url') };
};
const load = (env: NodeJS.ProcessEnv) => loadConfig(notificationConfig(env), env);
function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    load(env);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
}

describe('notification-service config', () => {
  it('starts with no provider at all; production limits push endpoints to the known push services, development/test to none', () => {
    const config = load(platform);
    expect(config).toMatchObject({ WEBHOOK_TOLERANCE_SECONDS: 300, PUSH_ENDPOINT_HOSTS: DEFAULT_PUSH_ENDPOINT_HOSTS });
    expect(config.EMAIL_PROVIDER).toBeUndefined();
    expect(load({ ...platform, NODE_ENV: 'test' }).PUSH_ENDPOINT_HOSTS).toEqual(['*']);
    expect(load({ ...platform, PUSH_ENDPOINT_HOSTS: 'push.example.com, .example.net' }).PUSH_ENDPOINT_HOSTS).toEqual(['push.example.com', '.example.net']);
    expect(problems({ ...platform, PUSH_ENDPOINT_HOSTS: 'https://push.example.com' })).toEqual([expect.stringMatching(/^PUSH_ENDPOINT_HOSTS: /)]);
  });

  it('consumes events and dispatches by default; either can be switched off ("true"/"false" only)', () => {
    expect(load(platform)).toMatchObject({ NOTIFICATION_EVENTS_ENABLED: true, NOTIFICATION_DISPATCH_ENABLED: true, CONSUMER_MAX_ATTEMPTS: 5 });
    expect(load({ ...platform, NOTIFICATION_EVENTS_ENABLED: 'false', NOTIFICATION_DISPATCH_ENABLED: 'false' })).toMatchObject({ NOTIFICATION_EVENTS_ENABLED: false, NOTIFICATION_DISPATCH_ENABLED: false });
    expect(problems({ ...platform, NOTIFICATION_DISPATCH_ENABLED: 'no' })).toEqual([expect.stringMatching(/^NOTIFICATION_DISPATCH_ENABLED: /)]);
  });

  describe('VAPID: all three or none', () => {
    it.each([
      [['VAPID_PUBLIC_KEY'], ['VAPID_PRIVATE_KEY', 'VAPID_SUBJECT']],
      [['VAPID_PUBLIC_KEY', 'VAPID_PRIVATE_KEY'], ['VAPID_SUBJECT']],
      [['VAPID_SUBJECT'], ['VAPID_PUBLIC_KEY', 'VAPID_PRIVATE_KEY']],
    ])('given %j: names each missing one %j, and only those', (given, missing) => {
      const all = { ...vapidPair(), VAPID_SUBJECT: 'mailto:ops@example.com' };
      const env = { ...platform, ...Object.fromEntries(given.map((name) => [name, all[name as keyof typeof all]])) };
      expect(problems(env)).toEqual(missing.map((name) => expect.stringMatching(new RegExp(`^${name}: required with ${given.join(' and ')}: set VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY and VAPID_SUBJECT together, or none$`))));
    });

    it('accepts a matching pair with a mailto: or https: subject', () => {
      for (const VAPID_SUBJECT of ['mailto:ops@example.com', 'https://ecotrack.example.com/contact']) {
        expect(problems({ ...platform, ...vapidPair(), VAPID_SUBJECT })).toEqual([]);
      }
    });

    it('refuses keys that are not a P-256 pair in base64url, and a subject that is not a contact; never echoes a key', () => {
      const pair = vapidPair();
      const other = vapidPair();
      expect(problems({ ...platform, VAPID_PUBLIC_KEY: pair.VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY: other.VAPID_PRIVATE_KEY, VAPID_SUBJECT: 'mailto:ops@example.com' })).toEqual([
        'VAPID_PRIVATE_KEY: does not belong to VAPID_PUBLIC_KEY',
      ]);
      const bad = problems({ ...platform, VAPID_PUBLIC_KEY: 'BAAA', VAPID_PRIVATE_KEY: 'c2hvcnQ', VAPID_SUBJECT: 'http://example.com' });
      expect(bad).toEqual([expect.stringMatching(/^VAPID_PUBLIC_KEY: expected a base64url uncompressed P-256/), expect.stringMatching(/^VAPID_PRIVATE_KEY: expected a base64url P-256 private key/), expect.stringMatching(/^VAPID_SUBJECT: /)]);
      expect(problems({ ...platform, ...pair, VAPID_SUBJECT: 'ops@example.com' })).toEqual([expect.stringMatching(/^VAPID_SUBJECT: /)]);
      expect(JSON.stringify(problems({ ...platform, VAPID_PUBLIC_KEY: pair.VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY: other.VAPID_PRIVATE_KEY, VAPID_SUBJECT: 'x' }))).not.toContain(other.VAPID_PRIVATE_KEY);
    });
  });

  describe('EMAIL_PROVIDER', () => {
    const sendgrid = { SENDGRID_API_BASE: 'https://api.sendgrid.com', SENDGRID_API_KEY: 'SG.x', EMAIL_FROM: 'noreply@example.com' };

    it('defaults to sendgrid when its credentials are set, else smtp when SMTP_URL is set', () => {
      expect(load({ ...platform, ...sendgrid }).EMAIL_PROVIDER).toBe('sendgrid');
      expect(load({ ...platform, ...sendgrid, SMTP_URL: 'smtp://127.0.0.1:1025' }).EMAIL_PROVIDER).toBe('sendgrid');
      expect(load({ ...platform, SMTP_URL: 'smtp://127.0.0.1:1025', EMAIL_FROM: 'noreply@example.com' }).EMAIL_PROVIDER).toBe('smtp');
      expect(load({ ...platform, ...sendgrid, SMTP_URL: 'smtps://relay.example.com:465', EMAIL_PROVIDER: 'smtp' }).EMAIL_PROVIDER).toBe('smtp');
    });

    it("names the chosen provider's missing variables", () => {
      expect(problems({ ...platform, SENDGRID_API_KEY: 'SG.x' })).toEqual([
        'EMAIL_FROM: required when EMAIL_PROVIDER is sendgrid (chosen because its variables are set)',
        'SENDGRID_API_BASE: required when EMAIL_PROVIDER is sendgrid (chosen because its variables are set)',
      ]);
      expect(problems({ ...platform, EMAIL_PROVIDER: 'smtp', EMAIL_FROM: 'noreply@example.com' })).toEqual(['SMTP_URL: required when EMAIL_PROVIDER is smtp']);
      expect(problems({ ...platform, EMAIL_PROVIDER: 'smtp', SMTP_URL: 'smtp://127.0.0.1:1025' })).toEqual(['EMAIL_FROM: required when EMAIL_PROVIDER is smtp']);
      expect(problems({ ...platform, EMAIL_PROVIDER: 'ses' })).toEqual([expect.stringMatching(/^EMAIL_PROVIDER: /)]);
      expect(problems({ ...platform, EMAIL_PROVIDER: 'smtp', SMTP_URL: 'http://127.0.0.1:1025', EMAIL_FROM: 'noreply@example.com' })).toEqual([expect.stringMatching(/^SMTP_URL: expected smtp:/)]);
    });
  });

  it("SENDGRID_WEBHOOK_PUBLIC_KEY: the EC P-256 key as SendGrid shows it (base64 DER) or PEM; anything else is refused", () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const der = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(problems({ ...platform, SENDGRID_WEBHOOK_PUBLIC_KEY: der })).toEqual([]);
    expect(problems({ ...platform, SENDGRID_WEBHOOK_PUBLIC_KEY: pem.replace(/\n/g, '\\n') })).toEqual([]);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    for (const key of [rsa, p384, 'not-a-key']) expect(problems({ ...platform, SENDGRID_WEBHOOK_PUBLIC_KEY: key })).toEqual([expect.stringMatching(/^SENDGRID_WEBHOOK_PUBLIC_KEY: /)]);
  });
});
