import NodeVault from 'node-vault';
import { mapErrorsToProblems } from '@ecotrack/core';
import { readFile } from 'node:fs/promises';
import type { SecretsLogger } from './logger';
import type { SecretsMetrics } from './metrics';
import type { OpenBaoSettings } from './settings';

/** An OpenBao answer that is not 2xx; `status` lets callers tell 403 (policy) from 5xx (outage). */
export class OpenBaoError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly path: string,
  ) {
    super(`OpenBao ${path}: ${message}${status ? ` (${status})` : ''}`);
    this.name = 'OpenBaoError';
  }
}

// OpenBao unreachable or failing (transit, KV): a dependency outage, retryable, like a database one.
// A 4xx from it (a policy denial) is our misconfiguration: left to the default, a 500 like any other bug.
mapErrorsToProblems(OpenBaoError, (error) =>
  error.status === undefined || error.status >= 500 ? { status: 503, detail: 'The secrets store is not available; try again shortly.' } : undefined,
);

interface AuthResponse {
  auth: { client_token: string; lease_duration: number; renewable: boolean };
}

/**
 * A logged-in OpenBao session: AppRole locally, Kubernetes service-account
 * auth in a cluster. The token is renewed at two thirds of its TTL; when it
 * cannot be renewed any further (max TTL) or renewal is refused, the client
 * logs in again, re-reading the secret-id or service-account token file, as
 * projected service-account tokens rotate.
 */
export class OpenBaoClient {
  private readonly vault: NodeVault.client;
  private tokenExpiresAt: number | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    readonly settings: OpenBaoSettings,
    private readonly metrics: SecretsMetrics,
    private readonly logger: SecretsLogger,
  ) {
    this.vault = NodeVault({
      endpoint: settings.address,
      requestOptions: { timeout: settings.requestTimeoutMs },
    });
    metrics.watchLease('token', () => this.tokenExpiresAt);
  }

  async login(): Promise<void> {
    const { settings } = this;
    const response = (await this.call(`auth/${settings.authMount}/login`, async () =>
      settings.authMethod === 'approle'
        ? this.vault.approleLogin({
            mount_point: settings.authMount,
            role_id: settings.role,
            secret_id: (await readFile(settings.secretIdFile as string, 'utf8')).trim(),
          })
        : this.vault.kubernetesLogin({
            mount_point: settings.authMount,
            role: settings.role,
            jwt: (await readFile(settings.kubernetesTokenFile, 'utf8')).trim(),
          }),
    )) as AuthResponse;
    this.vault.token = response.auth.client_token;
    this.scheduleRenewal(response.auth.lease_duration, response.auth.renewable);
    this.logger.info(`logged in to OpenBao as ${settings.authMethod} role ${settings.role}; token TTL ${response.auth.lease_duration} s`);
  }

  read<T = Record<string, unknown>>(path: string): Promise<T> {
    return this.call(path, () => this.vault.read(path)) as Promise<T>;
  }

  write<T = Record<string, unknown>>(path: string, data: unknown): Promise<T> {
    return this.call(path, () => this.vault.write(path, data)) as Promise<T>;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.renewTimer);
  }

  private scheduleRenewal(ttlSeconds: number, renewable: boolean): void {
    clearTimeout(this.renewTimer);
    this.tokenExpiresAt = Date.now() + ttlSeconds * 1000;
    if (this.closed || ttlSeconds <= 0) return; // 0: a root-like token that never expires
    this.renewTimer = setTimeout(() => void this.renewOrLogIn(ttlSeconds, renewable), (ttlSeconds * 1000 * 2) / 3);
    this.renewTimer.unref();
  }

  private async renewOrLogIn(requestedTtl: number, renewable: boolean): Promise<void> {
    if (this.closed) return;
    try {
      if (renewable) {
        const renewed = (await this.call('auth/token/renew-self', () =>
          this.vault.tokenRenewSelf({ increment: `${requestedTtl}s` }),
        )) as AuthResponse;
        // Granted less than asked: the max TTL is near. Log in afresh rather than run it down.
        if (renewed.auth.lease_duration >= requestedTtl / 2) {
          this.scheduleRenewal(renewed.auth.lease_duration, renewed.auth.renewable);
          this.metrics.rotated('token', true);
          return;
        }
      }
      await this.login();
      this.metrics.rotated('token', true);
    } catch (error) {
      this.metrics.rotated('token', false);
      this.logger.error(`OpenBao token renewal failed, retrying in 5 s: ${(error as Error).message}`);
      if (this.closed) return;
      this.renewTimer = setTimeout(() => void this.renewOrLogIn(requestedTtl, false), 5_000);
      this.renewTimer.unref();
    }
  }

  /** Runs one request, turning node-vault's errors into OpenBaoError (message and status, never the body's data). */
  private async call(path: string, request: () => Promise<unknown>): Promise<unknown> {
    try {
      return await request();
    } catch (error) {
      const failure = error as Error & { response?: { statusCode?: number } };
      throw new OpenBaoError(failure.message, failure.response?.statusCode, path);
    }
  }
}
