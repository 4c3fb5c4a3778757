import type { Registry } from 'prom-client';

export interface DatabaseLogin {
  username: string;
  password: string;
}

/** Short-lived database logins that change while the service runs. */
export interface DatabaseLoginSource {
  current(): DatabaseLogin;
  /** Fresh login, issued before the previous one expires: new connections use it. */
  onRotate(listener: (login: DatabaseLogin) => void): void;
  /** Connections are retired within this so none outlives its login. */
  readonly maxConnectionLifetimeSeconds: number;
}

/**
 * Where a service's secrets come from when not from its environment. The port
 * between the platform and a store: the platform only knows this shape, and
 * @ecotrack/secrets implements it for OpenBao (`openBaoSecretSource`), which a
 * service's main.ts hands to the bootstrap. Neither lib imports the other.
 */
export interface SecretSource {
  /** The store's short name, e.g. "openbao": its check in the readiness body and in logs. */
  readonly name: string;
  /** Environment-shaped values (VARIABLE -> value); a variable set in the environment wins. */
  readonly values: Readonly<Record<string, string>>;
  /** Present when the database login comes from the store rather than DATABASE_URL. */
  readonly database?: DatabaseLoginSource;
  /** Live reload: called with the new values when they change in the store. */
  onValuesChanged(listener: (values: Readonly<Record<string, string>>) => void): void;
  /** Fails while the store cannot be reached or the session has lapsed (readiness). */
  check(): Promise<void>;
  registerMetrics(registry: Registry): void;
  close(): Promise<void>;
}

/**
 * Builds the service's SecretSource from its environment; undefined: secrets come from the
 * environment. Start-up retries a factory that throws, unless the error is a wrong setting
 * (`permanent: true`) or a 4xx `status`: those will not fix themselves.
 */
export type SecretSourceFactory = (
  env: NodeJS.ProcessEnv,
  service: { name: string; logger: { info(m: string): void; warn(m: string): void; error(m: string): void } },
) => Promise<SecretSource | undefined>;
