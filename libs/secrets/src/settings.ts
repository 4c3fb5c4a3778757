import { z } from 'zod';

/**
 * How a service finds and proves itself to OpenBao. These are the only
 * secret-related settings a service is given: an address and an auth role.
 * The AppRole secret id and the Kubernetes service-account token are files
 * the platform mounts, never values in the environment.
 */
const settingsSchema = z.object({
  OPENBAO_ADDR: z.string().url(),
  OPENBAO_AUTH_METHOD: z.enum(['approle', 'kubernetes']).default('approle'),
  /** AppRole role id / Kubernetes auth role; defaults to the service name. */
  OPENBAO_ROLE: z.string().regex(/^[\w.-]{1,128}$/).optional(),
  OPENBAO_SECRET_ID_FILE: z.string().min(1).optional(),
  OPENBAO_K8S_TOKEN_FILE: z.string().min(1).default('/var/run/secrets/kubernetes.io/serviceaccount/token'),
  OPENBAO_AUTH_MOUNT: z.string().regex(/^[\w-]+$/).optional(),
  /** Deployment environment: the middle segment of the KV path ecotrack/<environment>/<service>. */
  OPENBAO_ENVIRONMENT: z.string().regex(/^[\w-]{1,64}$/).default('local'),
  OPENBAO_KV_MOUNT: z.string().regex(/^[\w-]+$/).default('secret'),
  /** How often the service looks for a new version of its KV entry (live reload). */
  OPENBAO_KV_REFRESH_MS: z.coerce.number().int().min(1_000).default(30_000),
  /** Dynamic PostgreSQL credentials from the database engine: "true" unless DATABASE_URL carries its own. */
  OPENBAO_DATABASE_MOUNT: z.string().regex(/^[\w-]+$/).default('database'),
  OPENBAO_DATABASE_ROLE: z.string().regex(/^[\w.-]{1,128}$/).optional(),
  OPENBAO_TRANSIT_MOUNT: z.string().regex(/^[\w-]+$/).default('transit'),
  OPENBAO_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
});

export interface OpenBaoSettings {
  address: string;
  authMethod: 'approle' | 'kubernetes';
  role: string;
  authMount: string;
  secretIdFile?: string;
  kubernetesTokenFile: string;
  environment: string;
  kvMount: string;
  /** KV v2 entry of the service's application secrets, relative to the mount. */
  kvPath: string;
  kvRefreshMs: number;
  databaseMount: string;
  databaseRole: string;
  transitMount: string;
  requestTimeoutMs: number;
}

export class OpenBaoSettingsError extends Error {
  /** A wrong setting does not fix itself: start-up stops at once instead of retrying (SecretSourceFactory). */
  readonly permanent = true;
  constructor(readonly problems: string[]) {
    super(`Invalid OpenBao settings:\n${problems.map((line) => `  - ${line}`).join('\n')}`);
    this.name = 'OpenBaoSettingsError';
  }
}

/** undefined when OPENBAO_ADDR is not set: the service then reads everything from its environment. */
export function openBaoSettings(env: NodeJS.ProcessEnv, serviceName: string): OpenBaoSettings | undefined {
  if (!env.OPENBAO_ADDR) return undefined;
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) {
    throw new OpenBaoSettingsError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const s = parsed.data;
  if (s.OPENBAO_AUTH_METHOD === 'approle' && !s.OPENBAO_SECRET_ID_FILE) {
    throw new OpenBaoSettingsError(['OPENBAO_SECRET_ID_FILE: required with OPENBAO_AUTH_METHOD=approle (a file holding the AppRole secret id)']);
  }
  return {
    address: s.OPENBAO_ADDR.replace(/\/+$/, ''),
    authMethod: s.OPENBAO_AUTH_METHOD,
    role: s.OPENBAO_ROLE ?? serviceName,
    authMount: s.OPENBAO_AUTH_MOUNT ?? s.OPENBAO_AUTH_METHOD,
    secretIdFile: s.OPENBAO_SECRET_ID_FILE,
    kubernetesTokenFile: s.OPENBAO_K8S_TOKEN_FILE,
    environment: s.OPENBAO_ENVIRONMENT,
    kvMount: s.OPENBAO_KV_MOUNT,
    kvPath: `ecotrack/${s.OPENBAO_ENVIRONMENT}/${serviceName}`,
    kvRefreshMs: s.OPENBAO_KV_REFRESH_MS,
    databaseMount: s.OPENBAO_DATABASE_MOUNT,
    databaseRole: s.OPENBAO_DATABASE_ROLE ?? serviceName,
    transitMount: s.OPENBAO_TRANSIT_MOUNT,
    requestTimeoutMs: s.OPENBAO_REQUEST_TIMEOUT_MS,
  };
}
