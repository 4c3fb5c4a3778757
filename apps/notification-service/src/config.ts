import { createECDH, createPublicKey } from 'node:crypto';
import { eventsConfig } from '@ecotrack/events';
import { flag, jwtVerificationConfig } from '@ecotrack/platform';
import { z } from 'zod';

const optionalUrl = z.string().url().optional();
const optionalSecret = z.string().min(1).optional();

export const EMAIL_PROVIDERS = ['sendgrid', 'smtp'] as const;
export type EmailProvider = (typeof EMAIL_PROVIDERS)[number];

/** A variable that must be set in this combination: always an issue, with why. */
const missing = (message: string): z.ZodTypeAny => z.unknown().superRefine((_value, ctx) => ctx.addIssue({ code: z.ZodIssueCode.custom, message }));

/** base64url without padding (what browsers and VAPID tooling print), decoded; undefined when not base64url. */
export function fromBase64Url(value: string): Buffer | undefined {
  return /^[A-Za-z0-9_-]+={0,2}$/.test(value) ? Buffer.from(value, 'base64url') : undefined;
}

/** Why `key` is not an uncompressed P-256 public point in base64url (65 bytes, 0x04 first), or undefined when it is. */
export function p256PublicKeyProblem(key: string): string | undefined {
  const bytes = fromBase64Url(key);
  if (!bytes || bytes.length !== 65 || bytes[0] !== 0x04) return 'expected a base64url uncompressed P-256 public key (65 bytes, starting 0x04)';
  try {
    createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: bytes.subarray(1, 33).toString('base64url'), y: bytes.subarray(33).toString('base64url') }, format: 'jwk' });
  } catch {
    return 'not a point on the P-256 curve';
  }
  return undefined;
}

const vapidPublicKey = z.string().superRefine((key, ctx) => {
  const problem = p256PublicKeyProblem(key);
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
});

/** The VAPID private key: 32 bytes base64url, and (when the public key is valid) its pair. Never echoes the key. */
const vapidPrivateKey = (publicKey: string | undefined) =>
  z.string().superRefine((key, ctx) => {
    const bytes = fromBase64Url(key);
    if (!bytes || bytes.length !== 32) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'expected a base64url P-256 private key (32 bytes)' });
      return;
    }
    let derived: string;
    try {
      const ecdh = createECDH('prime256v1');
      ecdh.setPrivateKey(bytes);
      derived = ecdh.getPublicKey().toString('base64url');
    } catch {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'not a valid P-256 private key' });
      return;
    }
    if (publicKey && !p256PublicKeyProblem(publicKey) && Buffer.from(publicKey, 'base64url').toString('base64url') !== derived) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'does not belong to VAPID_PUBLIC_KEY' });
    }
  });

/** RFC 8292 §2.1: a contact for the push service's operators, mailto: or https:. */
const vapidSubject = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'mailto:' && url.pathname.includes('@')) || (url.protocol === 'https:' && url.hostname !== '');
    } catch {
      return false;
    }
  },
  { message: 'expected a mailto: or https: URL' },
);

/** SendGrid's Event Webhook verification key as SendGrid shows it (base64 DER) or as PEM: EC P-256. */
const sendGridWebhookKey = z.string().superRefine((value, ctx) => {
  const pem = value.includes('-----BEGIN') ? value.replace(/\\n/g, '\n') : undefined;
  try {
    const key = pem ? createPublicKey(pem) : createPublicKey({ key: Buffer.from(value, 'base64'), format: 'der', type: 'spki' });
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new Error('curve');
  } catch {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'expected the EC P-256 public key SendGrid shows for the signed Event Webhook (base64 or PEM)' });
  }
});

const smtpUrl = z
  .string()
  .url()
  .refine((value) => /^smtps?:\/\//.test(value), { message: 'expected smtp:// (STARTTLS, required off loopback) or smtps:// (TLS)' });

/** Host suffixes the push services live under; a subscription elsewhere is refused (the service POSTs to it). */
export const DEFAULT_PUSH_ENDPOINT_HOSTS = ['fcm.googleapis.com', 'updates.push.services.mozilla.com', '.notify.windows.com', '.push.apple.com'];

const hostList = z
  .string()
  .transform((value) => value.split(',').map((host) => host.trim().toLowerCase()).filter(Boolean))
  .refine((hosts) => hosts.length > 0 && hosts.every((host) => host === '*' || /^\.?[a-z0-9.-]+$/.test(host)), {
    message: 'expected * or comma-separated host names (a leading dot matches subdomains)',
  });

/**
 * notification-service's own variables. No provider variable has a default: a channel whose
 * provider is not configured is unavailable (503 when asked for), and the service still starts.
 * Some variables depend on others (a zod shape cannot look at its siblings), hence a function of
 * the environment, as in user-service: the email provider's variables once it is chosen, and
 * VAPID's three together or none.
 */
export function notificationConfig(env: NodeJS.ProcessEnv = process.env) {
  const sendGridCredentials = Boolean(env.SENDGRID_API_KEY);
  const given = EMAIL_PROVIDERS.find((provider) => provider === env.EMAIL_PROVIDER);
  const emailProvider: EmailProvider | undefined = env.EMAIL_PROVIDER ? given : sendGridCredentials ? 'sendgrid' : env.SMTP_URL ? 'smtp' : undefined;
  const requiredFor = (name: string, provider: EmailProvider | undefined, schema: z.ZodTypeAny) =>
    provider && emailProvider === provider && !env[name]
      ? missing(`required when EMAIL_PROVIDER is ${provider}${env.EMAIL_PROVIDER ? '' : ' (chosen because its variables are set)'}`)
      : schema;

  const vapid = { VAPID_PUBLIC_KEY: env.VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY: env.VAPID_PRIVATE_KEY, VAPID_SUBJECT: env.VAPID_SUBJECT };
  const vapidGiven = Object.entries(vapid).filter(([, value]) => value).map(([name]) => name);
  const vapidVariable = (name: keyof typeof vapid, schema: z.ZodTypeAny) =>
    vapidGiven.length > 0 && !vapid[name] ? missing(`required with ${vapidGiven.join(' and ')}: set VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY and VAPID_SUBJECT together, or none`) : schema.optional();

  const developmentOrTest = env.NODE_ENV === 'development' || env.NODE_ENV === 'test';

  return {
    ...eventsConfig,
    ...jwtVerificationConfig,
    /** sendgrid or smtp; unset: sendgrid when SENDGRID_API_KEY is set, else smtp when SMTP_URL is set, else no email. */
    EMAIL_PROVIDER: z.enum(EMAIL_PROVIDERS).optional().transform(() => emailProvider),
    EMAIL_FROM: requiredFor('EMAIL_FROM', emailProvider, z.string().email().optional()),
    SENDGRID_API_BASE: requiredFor('SENDGRID_API_BASE', 'sendgrid', optionalUrl),
    SENDGRID_API_KEY: requiredFor('SENDGRID_API_KEY', 'sendgrid', optionalSecret),
    /** The signed Event Webhook's verification key; unset: POST /v1/notifications/webhooks/sendgrid answers 503. */
    SENDGRID_WEBHOOK_PUBLIC_KEY: sendGridWebhookKey.optional(),
    /** How far a webhook's signed timestamp may be from now (replays older than this are refused). */
    WEBHOOK_TOLERANCE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
    /** smtp:// (STARTTLS, required unless the host is loopback) or smtps://, credentials in the URL if any. */
    SMTP_URL: requiredFor('SMTP_URL', 'smtp', smtpUrl.optional()),
    TWILIO_API_BASE: optionalUrl,
    TWILIO_ACCOUNT_SID: optionalSecret,
    TWILIO_AUTH_TOKEN: optionalSecret,
    /** The public URL of POST /v1/notifications/webhooks/twilio as Twilio reaches it; omitted: no status callbacks. */
    TWILIO_STATUS_CALLBACK_URL: optionalUrl,
    SMS_FROM: z.string().regex(/^\+[1-9]\d{6,14}$/, 'SMS_FROM must be an E.164 number').optional(),
    /** Web Push (RFC 8292 VAPID): the application server's key pair (base64url) and contact; all three or none. */
    VAPID_PUBLIC_KEY: vapidVariable('VAPID_PUBLIC_KEY', vapidPublicKey),
    VAPID_PRIVATE_KEY: vapidVariable('VAPID_PRIVATE_KEY', vapidPrivateKey(env.VAPID_PUBLIC_KEY)),
    VAPID_SUBJECT: vapidVariable('VAPID_SUBJECT', vapidSubject),
    /** Push subscription endpoints must be on these hosts (".x" matches subdomains; "*" any); development/test default to any. */
    PUSH_ENDPOINT_HOSTS: hostList.default(developmentOrTest ? '*' : DEFAULT_PUSH_ENDPOINT_HOSTS.join(',')),
    /** Retries of sends the provider could not take (network, timeout, 5xx): attempts in all, first delay. */
    NOTIFICATION_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
    NOTIFICATION_RETRY_BASE_MS: z.coerce.number().int().min(1).default(2_000),
    /** How often the dispatcher looks for due notifications it was not woken for (retries, other instances' records). */
    NOTIFICATION_RETRY_POLL_MS: z.coerce.number().int().min(10).default(1_000),
    /**
     * How long a provider call may hold its claim: a claim past it belonged to a process that
     * stopped during the call, and its notification is failed as interrupted (never resent). Far
     * above what one call can take (the adapters give up after 10 s per request, 30 s of socket
     * silence), hence the floor.
     */
    NOTIFICATION_CLAIM_LEASE_MS: z.coerce.number().int().min(40_000).default(300_000),
    /** Consume user.events, order.events and payment.events (false: this instance serves the API and dispatches only). */
    NOTIFICATION_EVENTS_ENABLED: flag(true),
    /** Send queued notifications from PostgreSQL (false: this instance only records them; another one sends). */
    NOTIFICATION_DISPATCH_ENABLED: flag(true),
  };
}

export interface NotificationConfig {
  NODE_ENV: 'development' | 'test' | 'production';
  EMAIL_PROVIDER?: EmailProvider;
  EMAIL_FROM?: string;
  SENDGRID_API_BASE?: string;
  SENDGRID_API_KEY?: string;
  SENDGRID_WEBHOOK_PUBLIC_KEY?: string;
  WEBHOOK_TOLERANCE_SECONDS: number;
  SMTP_URL?: string;
  TWILIO_API_BASE?: string;
  TWILIO_ACCOUNT_SID?: string;
  TWILIO_AUTH_TOKEN?: string;
  TWILIO_STATUS_CALLBACK_URL?: string;
  SMS_FROM?: string;
  VAPID_PUBLIC_KEY?: string;
  VAPID_PRIVATE_KEY?: string;
  VAPID_SUBJECT?: string;
  PUSH_ENDPOINT_HOSTS: string[];
  NOTIFICATION_MAX_ATTEMPTS: number;
  NOTIFICATION_RETRY_BASE_MS: number;
  NOTIFICATION_RETRY_POLL_MS: number;
  NOTIFICATION_CLAIM_LEASE_MS: number;
  NOTIFICATION_EVENTS_ENABLED: boolean;
  NOTIFICATION_DISPATCH_ENABLED: boolean;
}
