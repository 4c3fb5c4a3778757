import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { eventsConfig } from '@ecotrack/events';
import { fieldEncryptionConfig, type FieldEncryptionConfig } from '@ecotrack/field-encryption';
import { jwtVerificationConfig } from '@ecotrack/platform';
import type { JWK } from 'jose';
import { z } from 'zod';

export const REFRESH_RETRY_WINDOW_DEFAULT_SECONDS = 15;

/** Env files often carry a PEM on one line with literal "\n". */
export const normalizePem = (pem: string) => pem.replace(/\\n/g, '\n').trim();

/** Why a PEM is not a usable ES256 signing key, or undefined when it is. Never echoes the key. */
export function signingKeyProblem(pem: string): string | undefined {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: normalizePem(pem), format: 'pem' });
  } catch {
    return 'expected a PEM private key (PKCS8, "BEGIN PRIVATE KEY")';
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    return 'expected an EC P-256 key (tokens are signed ES256)';
  }
  return undefined;
}

const signingKeyPem = z.string().superRefine((pem, ctx) => {
  const problem = signingKeyProblem(pem);
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
});

const signingKeyFile = z.string().superRefine((file, ctx) => {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'error'})` });
    return;
  }
  const problem = signingKeyProblem(pem);
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
});

const missing = (message: string): z.ZodTypeAny =>
  z.unknown().superRefine((_value, ctx) => ctx.addIssue({ code: z.ZodIssueCode.custom, message }));

const publicJwk = z
  .object({ kty: z.enum(['EC', 'RSA']), kid: z.string().min(1) })
  .passthrough()
  .refine((jwk) => !('d' in jwk), { message: 'must hold public keys only (a "d" member is private key material)' });

/** Keys that signed tokens still in circulation after a rotation: JSON, a JWK set or an array of JWKs. */
const previousPublicKeys = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'expected JSON: {"keys":[...]} or an array of public JWKs' });
      return z.NEVER;
    }
  })
  .pipe(z.union([z.object({ keys: z.array(publicJwk) }).transform((set) => set.keys), z.array(publicJwk)]));

const kid = z.string().regex(/^[\w.-]{1,64}$/, 'expected 1-64 letters, digits, ".", "_" or "-"');

const DURATION_UNITS_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * A duration in milliseconds from "500ms", "90s", "15m", "12h", "7d" or a
 * bare number of seconds ("604800"); undefined when it is none of these.
 */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!match) return undefined;
  return Math.round(Number(match[1]) * DURATION_UNITS_MS[(match[2] ?? 's') as keyof typeof DURATION_UNITS_MS]);
}

/** A duration variable, validated and turned into milliseconds. */
const duration = (fallback: string, minMs: number) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'expected a duration: a number of seconds, or with a unit (500ms, 90s, 15m, 12h, 7d)' });
        return z.NEVER;
      }
      if (ms < minMs) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be at least ${minMs} ms` });
        return z.NEVER;
      }
      return ms;
    });

/** The key-ring schedule (OpenBao mode); see keys/key-ring.ts. */
const KEY_RING_DEFAULTS = {
  JWT_SIGNING_KEY_ROTATION_INTERVAL: '7d',
  /** At least the ring refresh plus the JWKS cache lifetime (max-age 300 s), so every verifier knows a key before it signs. */
  JWT_SIGNING_KEY_PROPAGATION_DELAY: '10m',
  /** Clock skew and verifiers' clock tolerance: a key leaves the JWKS this long after its last token expired. */
  JWT_SIGNING_KEY_RETIREMENT_MARGIN: '5m',
  JWT_KEY_RING_REFRESH_MS: 30_000,
};

/**
 * The schedule's variables: each on its own, and in order (the ring is
 * refreshed before a new key signs; keys are not made faster than they
 * propagate).
 */
function keyRingConfig(env: NodeJS.ProcessEnv) {
  const refreshMs = Number(env.JWT_KEY_RING_REFRESH_MS ?? KEY_RING_DEFAULTS.JWT_KEY_RING_REFRESH_MS);
  const delayMs = parseDuration(env.JWT_SIGNING_KEY_PROPAGATION_DELAY ?? KEY_RING_DEFAULTS.JWT_SIGNING_KEY_PROPAGATION_DELAY);
  const intervalMs = parseDuration(env.JWT_SIGNING_KEY_ROTATION_INTERVAL ?? KEY_RING_DEFAULTS.JWT_SIGNING_KEY_ROTATION_INTERVAL);
  const delayTooShort = delayMs !== undefined && Number.isFinite(refreshMs) && delayMs < refreshMs;
  const intervalTooShort = delayMs !== undefined && intervalMs !== undefined && !delayTooShort && intervalMs <= delayMs;
  return {
    /** A new key is made when the newest is this old. */
    JWT_SIGNING_KEY_ROTATION_INTERVAL: intervalTooShort
      ? missing('must be longer than JWT_SIGNING_KEY_PROPAGATION_DELAY (a new key is published that long before it signs)')
      : duration(KEY_RING_DEFAULTS.JWT_SIGNING_KEY_ROTATION_INTERVAL, 1_000),
    /** A new key is published this long before it signs. */
    JWT_SIGNING_KEY_PROPAGATION_DELAY: delayTooShort
      ? missing('must be at least JWT_KEY_RING_REFRESH_MS (every replica reads the new key before it signs)')
      : duration(KEY_RING_DEFAULTS.JWT_SIGNING_KEY_PROPAGATION_DELAY, 0),
    JWT_SIGNING_KEY_RETIREMENT_MARGIN: duration(KEY_RING_DEFAULTS.JWT_SIGNING_KEY_RETIREMENT_MARGIN, 0),
    /** How often each replica re-reads the ring (and rotates or prunes it when due). */
    JWT_KEY_RING_REFRESH_MS: z.coerce.number().int().min(100).default(KEY_RING_DEFAULTS.JWT_KEY_RING_REFRESH_MS),
  };
}

/** Email verification and registration retries (accounts/). */
const ACCOUNT_SETTINGS = {
  /** How long the token of a verification mail is good for. */
  EMAIL_VERIFICATION_TTL: duration('24h', 60_000),
  /** Verification mails per account in any 24 hours, the one of the registration included; more answer 429. */
  EMAIL_VERIFICATION_MAILS_PER_DAY: z.coerce.number().int().min(1).max(100).default(5),
  /**
   * How long after a registration the same request (same email, password and display name) answers
   * the original 201 again instead of 409: a retried POST whose first answer was lost. 0: never.
   */
  REGISTRATION_REPLAY_WINDOW: duration('10m', 0),
};

export interface UserConfig extends FieldEncryptionConfig {
  NODE_ENV: 'development' | 'test' | 'production';
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
  JWT_ACCESS_TOKEN_TTL_SECONDS: number;
  SESSION_TTL_SECONDS: number;
  REFRESH_RETRY_WINDOW_SECONDS: number;
  JWT_SIGNING_KEY_PEM?: string;
  JWT_SIGNING_KEY_FILE?: string;
  JWT_SIGNING_KEY_ID?: string;
  JWT_PREVIOUS_PUBLIC_KEYS?: JWK[];
  /** Key ring (OpenBao mode), all in milliseconds. */
  JWT_SIGNING_KEY_ROTATION_INTERVAL: number;
  JWT_SIGNING_KEY_PROPAGATION_DELAY: number;
  JWT_SIGNING_KEY_RETIREMENT_MARGIN: number;
  JWT_KEY_RING_REFRESH_MS: number;
  /** Accounts, in milliseconds where a duration. */
  EMAIL_VERIFICATION_TTL: number;
  EMAIL_VERIFICATION_MAILS_PER_DAY: number;
  REGISTRATION_REPLAY_WINDOW: number;
}

/**
 * user-service's own variables, validated at start-up with the platform's.
 * Which key variables are required depends on the environment (a zod shape
 * cannot look at its siblings), hence a function of it:
 * with OpenBao (OPENBAO_ADDR) the signing keys come from the key ring there,
 * rotated on a schedule; without it, production must be given a key, and
 * development and test may run with an ephemeral one (generated at start-up,
 * announced with a warning).
 */
export function userConfig(env: NodeJS.ProcessEnv = process.env) {
  const keyGiven = Boolean(env.JWT_SIGNING_KEY_PEM || env.JWT_SIGNING_KEY_FILE);
  const keyRing = Boolean(env.OPENBAO_ADDR);
  const ephemeralAllowed = env.NODE_ENV === 'development' || env.NODE_ENV === 'test';
  const bothGiven = Boolean(env.JWT_SIGNING_KEY_PEM && env.JWT_SIGNING_KEY_FILE);
  return {
    ...eventsConfig,
    JWT_ISSUER: jwtVerificationConfig.JWT_ISSUER,
    JWT_AUDIENCE: jwtVerificationConfig.JWT_AUDIENCE,
    JWT_ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(1).max(3_600).default(15 * 60),
    /** Absolute lifetime of a login session (its refresh tokens); not extended by refreshing. */
    SESSION_TTL_SECONDS: z.coerce.number().int().min(60).default(14 * 24 * 3_600),
    /**
     * How long a used refresh token still gets the same new pair (a retried request) before it
     * counts as reuse and ends the session. Longer than a client's or proxy's retries take
     * (the chart's route timeout), short enough that a stolen token is still caught.
     */
    REFRESH_RETRY_WINDOW_SECONDS: z.coerce.number().int().min(1).max(60).default(REFRESH_RETRY_WINDOW_DEFAULT_SECONDS),
    JWT_SIGNING_KEY_PEM:
      keyGiven || keyRing || ephemeralAllowed
        ? signingKeyPem.optional()
        : missing(
            'required in production: set JWT_SIGNING_KEY_PEM or JWT_SIGNING_KEY_FILE to the ES256 private key (PKCS8 PEM), ' +
              'or OPENBAO_ADDR for the rotating key ring in OpenBao',
          ),
    JWT_SIGNING_KEY_FILE: bothGiven ? missing('set either JWT_SIGNING_KEY_FILE or JWT_SIGNING_KEY_PEM, not both') : signingKeyFile.optional(),
    JWT_SIGNING_KEY_ID: keyGiven ? kid : kid.optional(),
    JWT_PREVIOUS_PUBLIC_KEYS: previousPublicKeys.optional(),
    ...keyRingConfig(env),
    ...fieldEncryptionConfig,
    ...ACCOUNT_SETTINGS,
  };
}
