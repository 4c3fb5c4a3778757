import { Counter, Gauge, type Registry } from 'prom-client';

export type LeaseKind = 'database' | 'token';
export type RotationKind = 'database' | 'kv' | 'jwt_signing_key' | 'token';

/**
 * Secrets metrics. Created unregistered, so the lib works before the service's
 * registry exists; the platform registers them once it does.
 */
export class SecretsMetrics {
  private readonly expiries = new Map<LeaseKind, () => number | undefined>();

  readonly leaseTtl = new Gauge({
    name: 'ecotrack_secrets_lease_ttl_seconds',
    help: 'Seconds until the current OpenBao lease of this kind expires (database credentials, auth token)',
    labelNames: ['kind'] as const,
    registers: [],
    collect: () => this.sampleLeases(),
  });

  readonly rotations = new Counter({
    name: 'ecotrack_secrets_rotations_total',
    help: 'Secret rotations and renewals by kind and result',
    labelNames: ['kind', 'result'] as const,
    registers: [],
  });

  readonly signingKeyAge = new Gauge({
    name: 'ecotrack_secrets_jwt_signing_key_age_seconds',
    help: 'Age of the JWT signing key in use',
    registers: [],
  });

  constructor() {
    // Series exist from the start at 0, so a first failure is an increase, not a new series.
    for (const kind of ['database', 'kv', 'token'] as const) for (const ok of [true, false]) this.rotations.inc({ kind, result: ok ? 'success' : 'failure' }, 0);
  }

  /** `expiresAt` returns the lease's expiry in epoch ms, or undefined while there is none. */
  watchLease(kind: LeaseKind, expiresAt: () => number | undefined): void {
    this.expiries.set(kind, expiresAt);
  }

  rotated(kind: RotationKind, ok: boolean): void {
    this.rotations.inc({ kind, result: ok ? 'success' : 'failure' });
  }

  register(registry: Registry): void {
    const metrics: Array<[string, Gauge | Counter]> = [
      ['ecotrack_secrets_lease_ttl_seconds', this.leaseTtl],
      ['ecotrack_secrets_rotations_total', this.rotations],
      ['ecotrack_secrets_jwt_signing_key_age_seconds', this.signingKeyAge],
    ];
    for (const [name, metric] of metrics) if (!registry.getSingleMetric(name)) registry.registerMetric(metric);
  }

  private sampleLeases(): void {
    for (const [kind, expiresAt] of this.expiries) {
      const at = expiresAt();
      if (at !== undefined) this.leaseTtl.set({ kind }, Math.max(0, (at - Date.now()) / 1000));
    }
  }
}
