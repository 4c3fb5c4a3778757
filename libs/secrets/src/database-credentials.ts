import type { SecretsLogger } from './logger';
import type { SecretsMetrics } from './metrics';
import type { OpenBaoClient } from './openbao-client';

export interface DatabaseLogin {
  username: string;
  password: string;
}

interface CredsResponse {
  lease_id: string;
  lease_duration: number;
  renewable: boolean;
  data: { username: string; password: string };
}

interface Lease {
  login: DatabaseLogin;
  id: string;
  expiresAt: number;
  renewable: boolean;
}

/**
 * Dynamic PostgreSQL credentials from OpenBao's database engine.
 *
 * The lease is renewed while OpenBao grants it time; when renewal can no
 * longer keep it above the rotation threshold (its max TTL is near), fresh
 * credentials are fetched and handed to the listeners, i.e. the connection
 * pool, which opens new connections with them. Connections live at most
 * `maxConnectionLifetimeSeconds`, less than the time left on the old lease at
 * the moment of rotation, so no connection outlives the credentials it logged
 * in with and no query meets a dropped role. The old lease is left to expire:
 * revoking it early could cut a connection mid-query.
 */
export class DatabaseCredentials {
  private lease: Lease | undefined;
  private leaseTtlSeconds = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners: Array<(login: DatabaseLogin) => void> = [];
  private closed = false;

  constructor(
    private readonly client: OpenBaoClient,
    private readonly path: string,
    private readonly metrics: SecretsMetrics,
    private readonly logger: SecretsLogger,
  ) {
    metrics.watchLease('database', () => this.lease?.expiresAt);
  }

  /** First credentials; call once before connecting. */
  async start(): Promise<DatabaseLogin> {
    const lease = await this.fetch();
    this.leaseTtlSeconds = Math.round((lease.expiresAt - Date.now()) / 1000);
    this.adopt(lease);
    return lease.login;
  }

  current(): DatabaseLogin {
    if (!this.lease) throw new Error('database credentials not started');
    return this.lease.login;
  }

  onRotate(listener: (login: DatabaseLogin) => void): void {
    this.listeners.push(listener);
  }

  /** A connection must be retired within this, so it never outlives its lease (see the class comment). */
  get maxConnectionLifetimeSeconds(): number {
    return Math.max(1, Math.floor(this.leaseTtlSeconds / 4));
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  /** Rotate when less than this is left and renewal cannot add more. */
  private get rotationThresholdMs(): number {
    return this.leaseTtlSeconds * 600;
  }

  private get checkIntervalMs(): number {
    return Math.max(500, (this.leaseTtlSeconds * 1000) / 6);
  }

  private adopt(lease: Lease): void {
    this.lease = lease;
    this.schedule(this.checkIntervalMs);
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    if (this.closed) return;
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const lease = this.lease as Lease;
    try {
      if (lease.expiresAt - Date.now() < this.rotationThresholdMs) {
        if (lease.renewable) await this.renew(lease);
        if (lease.expiresAt - Date.now() < this.rotationThresholdMs) await this.rotate();
      }
      this.schedule(this.checkIntervalMs);
    } catch (error) {
      this.logger.error(`database credentials: ${(error as Error).message}; retrying in 1 s`);
      this.schedule(1_000);
    }
  }

  private async renew(lease: Lease): Promise<void> {
    try {
      const renewed = await this.client.write<{ lease_duration: number; renewable: boolean }>('sys/leases/renew', {
        lease_id: lease.id,
        increment: this.leaseTtlSeconds,
      });
      lease.expiresAt = Date.now() + renewed.lease_duration * 1000;
      lease.renewable = renewed.renewable && renewed.lease_duration > 0;
      this.metrics.rotated('database', true);
    } catch (error) {
      // Not fatal while the lease has time left: rotation below takes over.
      this.metrics.rotated('database', false);
      lease.renewable = false;
      this.logger.warn(`database lease renewal failed: ${(error as Error).message}`);
    }
  }

  private async rotate(): Promise<void> {
    try {
      const fresh = await this.fetch();
      this.adopt(fresh);
      for (const listener of this.listeners) listener(fresh.login);
      this.metrics.rotated('database', true);
      this.logger.info(`database credentials rotated; new lease for ${Math.round((fresh.expiresAt - Date.now()) / 1000)} s`);
    } catch (error) {
      this.metrics.rotated('database', false);
      throw error;
    }
  }

  private async fetch(): Promise<Lease> {
    const response = await this.client.read<CredsResponse>(this.path);
    return {
      login: { username: response.data.username, password: response.data.password },
      id: response.lease_id,
      expiresAt: Date.now() + response.lease_duration * 1000,
      renewable: response.renewable,
    };
  }
}
