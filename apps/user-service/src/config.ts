import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { eventsConfig } from '@ecotrack/events';
import { jwtVerificationConfig } from '@ecotrack/platform';
import type { JWK } from 'jose';
import { z } from 'zod';

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

/**
 * user-service's own variables, validated at start-up with the platform's.
 * Which key variables are required depends on the environment (a zod shape
 * cannot look at its siblings), hence a function of it:
 * production must be given a key; development and test may run with an
 * ephemeral one (generated at start-up, announced with a warning).
 */
export function userConfig(env: NodeJS.ProcessEnv = process.env) {
  const keyGiven = Boolean(env.JWT_SIGNING_KEY_PEM || env.JWT_SIGNING_KEY_FILE);
  const ephemeralAllowed = env.NODE_ENV === 'development' || env.NODE_ENV === 'test';
  const bothGiven = Boolean(env.JWT_SIGNING_KEY_PEM && env.JWT_SIGNING_KEY_FILE);
  return {
    ...eventsConfig,
    JWT_ISSUER: jwtVerificationConfig.JWT_ISSUER,
    JWT_AUDIENCE: jwtVerificationConfig.JWT_AUDIENCE,
    JWT_ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(1).max(3_600).default(15 * 60),
    /** Absolute lifetime of a login session (its refresh tokens); not extended by refreshing. */
    SESSION_TTL_SECONDS: z.coerce.number().int().min(60).default(14 * 24 * 3_600),
    JWT_SIGNING_KEY_PEM:
      keyGiven || ephemeralAllowed
        ? signingKeyPem.optional()
        : missing('required in production: set JWT_SIGNING_KEY_PEM or JWT_SIGNING_KEY_FILE to the ES256 private key (PKCS8 PEM)'),
    JWT_SIGNING_KEY_FILE: bothGiven ? missing('set either JWT_SIGNING_KEY_FILE or JWT_SIGNING_KEY_PEM, not both') : signingKeyFile.optional(),
    JWT_SIGNING_KEY_ID: keyGiven ? kid : kid.optional(),
    JWT_PREVIOUS_PUBLIC_KEYS: previousPublicKeys.optional(),
  };
}

export interface UserConfig {
  NODE_ENV: 'development' | 'test' | 'production';
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
  JWT_ACCESS_TOKEN_TTL_SECONDS: number;
  SESSION_TTL_SECONDS: number;
  JWT_SIGNING_KEY_PEM?: string;
  JWT_SIGNING_KEY_FILE?: string;
  JWT_SIGNING_KEY_ID?: string;
  JWT_PREVIOUS_PUBLIC_KEYS?: JWK[];
}
