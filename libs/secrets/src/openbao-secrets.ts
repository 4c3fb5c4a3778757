import type { SecretSource } from '@ecotrack/core';
import type { Registry } from 'prom-client';
import { DatabaseCredentials } from './database-credentials';
import { KvStore } from './kv';
import { silentLogger, type SecretsLogger } from './logger';
import { SecretsMetrics } from './metrics';
import { OpenBaoClient } from './openbao-client';
import { openBaoSettings, type OpenBaoSettings } from './settings';

const CHECK_EVERY_MS = 15_000;

/** KV property names are the lowercase of the variables they fill: redis_url -> REDIS_URL. */
export function toEnvironmentNames(data: Record<string, unknown>): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(data)) {
    if (typeof value === 'string' && /^[a-z][a-z0-9_]*$/.test(name)) values[name.toUpperCase()] = value;
  }
  return values;
}

/** Does the URL carry a password of its own? Then the service was given its login and OpenBao is not asked. */
function urlHasPassword(url: string | undefined): boolean {
  if (!url) return false;
  try {
    return new URL(url).password !== '';
  } catch {
    return false;
  }
}

/**
 * A service's secrets from OpenBao: its KV v2 entry as environment-shaped
 * values (polled for new versions: live reload), dynamic database logins,
 * and the session other parts use (transit, the JWT key ring).
 */
export class OpenBaoSecrets implements SecretSource {
  readonly name = 'openbao';
  readonly metrics = new SecretsMetrics();
  readonly client: OpenBaoClient;
  readonly kv: KvStore;
  database?: DatabaseCredentials;
  private current: Record<string, string> = {};
  private version = 0;
  private readonly listeners: Array<(values: Readonly<Record<string, string>>) => void> = [];
  private pollTimer: NodeJS.Timeout | undefined;
  private lastCheck = 0;

  private constructor(
    readonly settings: OpenBaoSettings,
    private readonly logger: SecretsLogger,
  ) {
    this.client = new OpenBaoClient(settings, this.metrics, logger);
    this.kv = new KvStore(this.client, settings.kvMount);
  }

  /** Logs in, loads the KV entry and the first database login. Throws if any of it fails: the service must not start half-configured. */
  static async connect(
    settings: OpenBaoSettings,
    options: { logger?: SecretsLogger; databaseCredentials: boolean },
  ): Promise<OpenBaoSecrets> {
    const secrets = new OpenBaoSecrets(settings, options.logger ?? silentLogger);
    try {
      await secrets.client.login();
      // Both need only the token: read the KV entry while OpenBao creates the database login
      // (a role in PostgreSQL, the slowest of the start-up's reads).
      if (options.databaseCredentials) {
        const path = `${settings.databaseMount}/creds/${settings.databaseRole}`;
        secrets.database = new DatabaseCredentials(secrets.client, path, secrets.metrics, secrets.logger);
      }
      await Promise.all([secrets.reload(), secrets.database?.start()]);
    } catch (error) {
      await secrets.close();
      throw error;
    }
    secrets.poll();
    return secrets;
  }

  get values(): Readonly<Record<string, string>> {
    return this.current;
  }

  onValuesChanged(listener: (values: Readonly<Record<string, string>>) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Readiness: the session still answers. At most one lookup per CHECK_EVERY_MS, as every probe
   * would otherwise be a request to OpenBao and a line in its audit log.
   */
  async check(): Promise<void> {
    if (Date.now() - this.lastCheck < CHECK_EVERY_MS) return;
    await this.client.read('auth/token/lookup-self');
    this.lastCheck = Date.now();
  }

  registerMetrics(registry: Registry): void {
    this.metrics.register(registry);
  }

  async close(): Promise<void> {
    clearTimeout(this.pollTimer);
    this.database?.close();
    this.client.close();
  }

  /** Reads the KV entry; true when its version changed. A missing entry is an empty one. */
  private async reload(): Promise<boolean> {
    const entry = await this.kv.read<Record<string, unknown>>(this.settings.kvPath);
    const version = entry?.version ?? 0;
    if (version === this.version && this.version !== 0) return false;
    this.version = version;
    this.current = toEnvironmentNames(entry?.data ?? {});
    return true;
  }

  private poll(): void {
    this.pollTimer = setTimeout(async () => {
      try {
        if (await this.reload()) {
          this.metrics.rotated('kv', true);
          this.logger.info(`secrets at ${this.settings.kvPath} changed (version ${this.version}); reloading`);
          for (const listener of this.listeners) listener(this.current);
        }
      } catch (error) {
        this.metrics.rotated('kv', false);
        this.logger.warn(`could not refresh secrets: ${(error as Error).message}`);
      }
      this.poll();
    }, this.settings.kvRefreshMs);
    this.pollTimer.unref();
  }
}

/**
 * The SecretSourceFactory a service's main.ts hands to the platform:
 * OpenBao when OPENBAO_ADDR is set, otherwise undefined (secrets from the
 * environment, e.g. in unit tests). Dynamic database logins unless
 * DATABASE_URL already carries a password.
 */
export async function openBaoSecretSource(
  env: NodeJS.ProcessEnv,
  service: { name: string; logger?: SecretsLogger },
): Promise<OpenBaoSecrets | undefined> {
  const settings = openBaoSettings(env, service.name);
  if (!settings) return undefined;
  return OpenBaoSecrets.connect(settings, { logger: service.logger, databaseCredentials: !urlHasPassword(env.DATABASE_URL) });
}
