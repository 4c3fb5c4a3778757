import { z } from 'zod';

/** spiffe://<trust domain>/ns/<namespace>/sa/<service account>: Istio's workload identity. */
const SPIFFE_ID = /^spiffe:\/\/[a-z0-9.-]+\/ns\/[a-z0-9-]+\/sa\/([a-z0-9-]{1,63})$/;
const SERVICE_NAME = /^[a-z][a-z0-9-]{0,62}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * A comma-separated list read into a map, one entry per item (`entry` gives undefined for an
 * invalid one). Unset stays undefined (see InternalCallsConfig).
 */
const commaMap = (entry: (item: string) => [string, string] | undefined, expected: string) =>
  z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined) return undefined;
      const map = new Map<string, string>();
      for (const item of text.split(',').map((part) => part.trim()).filter(Boolean)) {
        const pair = entry(item);
        if (pair) map.set(...pair);
        else ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected comma-separated ${expected}` });
      }
      return map as ReadonlyMap<string, string>;
    });

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
  INTERNAL_CALLER_SPIFFE_IDS: commaMap((id) => {
    const name = SPIFFE_ID.exec(id)?.[1];
    return name ? [id, name] : undefined;
  }, 'spiffe://<trust domain>/ns/<namespace>/sa/<name>'),
  /** This service's own credential for calls to the others (secret: OpenBao KV `service_credential`). */
  SERVICE_CREDENTIAL: z
    .string()
    .regex(/^[A-Za-z0-9_-]{32,128}$/, 'expected 32 to 128 letters, digits, "-" or "_"')
    .optional(),
  /**
   * The SHA-256 (hex) of each calling service's credential: `<service>:<sha256>,...` (OpenBao KV
   * `internal_caller_credential_digests`; only digests, so a service cannot pose as another).
   */
  INTERNAL_CALLER_CREDENTIAL_DIGESTS: commaMap((pair) => {
    const [name, digest, ...rest] = pair.split(':');
    return rest.length === 0 && SERVICE_NAME.test(name ?? '') && SHA256_HEX.test(digest ?? '') ? [name, digest] : undefined;
  }, '<service>:<sha256 hex>'),
};

export interface InternalCallsConfig {
  INTERNAL_CALLER_SPIFFE_IDS?: ReadonlyMap<string, string>;
  SERVICE_CREDENTIAL?: string;
  INTERNAL_CALLER_CREDENTIAL_DIGESTS?: ReadonlyMap<string, string>;
}
