import { z } from 'zod';

/** spiffe://<trust domain>/ns/<namespace>/sa/<service account>: Istio's workload identity. */
const SPIFFE_ID = /^spiffe:\/\/[a-z0-9.-]+\/ns\/[a-z0-9-]+\/sa\/([a-z0-9-]{1,63})$/;
const SERVICE_NAME = /^[a-z][a-z0-9-]{0,62}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

const listOf = (text: string) =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/**
 * How a service tells its own platform's calls from clients' (see internal-caller.ts):
 * by the mesh identity the Istio sidecar verified (chart), or by a service credential
 * from OpenBao (local stack). None set: every caller is a client.
 */
export const internalCallsConfig = {
  /**
   * The SPIFFE ids of the services that call this one. Only set where every request enters
   * through an Istio sidecar with STRICT mTLS (the chart does): the last element of
   * X-Forwarded-Client-Cert is then the caller's verified identity. Parsed to id -> service name.
   */
  INTERNAL_CALLER_SPIFFE_IDS: z
    .string()
    .default('')
    .transform((text, ctx) => {
      const ids = new Map<string, string>();
      for (const id of listOf(text)) {
        const match = SPIFFE_ID.exec(id);
        if (!match) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'expected comma-separated spiffe://<trust domain>/ns/<namespace>/sa/<name>' });
        else ids.set(id, match[1]);
      }
      return ids as ReadonlyMap<string, string>;
    }),
  /** This service's own credential for calls to the others (secret: OpenBao KV `service_credential`). */
  SERVICE_CREDENTIAL: z
    .string()
    .regex(/^[A-Za-z0-9_-]{32,128}$/, 'expected 32 to 128 letters, digits, "-" or "_"')
    .optional(),
  /**
   * The SHA-256 (hex) of each calling service's credential: `<service>:<sha256>,...` (OpenBao KV
   * `internal_caller_credential_digests`; only digests, so a service cannot pose as another).
   */
  INTERNAL_CALLER_CREDENTIAL_DIGESTS: z
    .string()
    .default('')
    .transform((text, ctx) => {
      const digests = new Map<string, string>();
      for (const pair of listOf(text)) {
        const [name, digest, ...rest] = pair.split(':');
        if (rest.length || !SERVICE_NAME.test(name ?? '') || !SHA256_HEX.test(digest ?? '')) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'expected comma-separated <service>:<sha256 hex>' });
        } else digests.set(name, digest);
      }
      return digests as ReadonlyMap<string, string>;
    }),
};

export interface InternalCallsConfig {
  INTERNAL_CALLER_SPIFFE_IDS: ReadonlyMap<string, string>;
  SERVICE_CREDENTIAL?: string;
  INTERNAL_CALLER_CREDENTIAL_DIGESTS: ReadonlyMap<string, string>;
}
