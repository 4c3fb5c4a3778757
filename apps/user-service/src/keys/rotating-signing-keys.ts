import type { OnModuleDestroy } from '@nestjs/common';
import { CasConflict, type KvStore, type SecretsMetrics } from '@ecotrack/secrets';
import { createPrivateKey } from 'node:crypto';
import { createLocalJWKSet, type JWK, type JWTVerifyGetKey } from 'jose';
import {
  nextChange,
  parseRing,
  publishedKeys,
  rotatedRing,
  rotationDue,
  signingKeyAt,
  type KeyRingData,
  type RingPolicy,
  type StoredKey,
} from './key-ring';
import { SigningKeys, signingKey, withJwkDefaults, type SigningKey } from './signing-keys';

export type RingStore = Pick<KvStore, 'read' | 'writeIfUnchanged'>;
export type RingMetrics = Pick<SecretsMetrics, 'rotated' | 'signingKeyAge'>;
export interface RingLogger {
  log(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

export interface RingSchedule extends RingPolicy {
  /** How often every replica re-reads the ring (and rotates or prunes it when due). */
  refreshMs: number;
}

export interface RotatingSigningKeysOptions {
  store: RingStore;
  /** KV path of the ring, relative to the mount: `<kvPath>/jwt-signing-keys`. */
  path: string;
  metrics: RingMetrics;
  /** Read anew at every use: the configuration may be reloaded live. */
  schedule: () => RingSchedule;
  logger: RingLogger;
  /** Published for verification only (JWT_PREVIOUS_PUBLIC_KEYS, a key still configured from before the ring). */
  verifyOnlyKeys?: JWK[];
  now?: () => number;
}

interface View {
  /** The ring version and the time span the view holds for. */
  version: number;
  from: number;
  until: number;
  signing: SigningKey;
  signingCreatedAt: number;
  jwks: { keys: JWK[] };
  keySet: JWTVerifyGetKey;
}

/** Fields of a KV entry other code may have added stay untouched. */
type RingEntry = KeyRingData & Record<string, unknown>;

/**
 * The key ring in OpenBao KV v2, shared by every replica. Each replica
 * re-reads it every `refreshMs`; whichever replica finds it due rotates it
 * with a check-and-set write, so of replicas rotating at once exactly one
 * wins and the others re-read. New keys are published `propagationDelayMs`
 * before they sign; old keys leave the JWKS (and the ring) once every token
 * they signed has expired. Private keys never leave this class except to
 * sign, and are never logged.
 */
export class RotatingSigningKeys extends SigningKeys implements OnModuleDestroy {
  private ring: StoredKey[] = [];
  private extra: Record<string, unknown> = {};
  private version = 0;
  private readonly parsed = new Map<string, SigningKey>();
  private cached: View | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Ring operations of this replica run one at a time (timer and direct calls alike). */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly now: () => number;

  private constructor(private readonly options: RotatingSigningKeysOptions) {
    super();
    this.now = options.now ?? Date.now;
  }

  /**
   * Loads the ring; an empty one gets its first key (check-and-set on
   * version 0: of replicas starting together one creates it, the others read
   * it). Throws when there is no key to sign with: the service must not start.
   */
  static async start(options: RotatingSigningKeysOptions): Promise<RotatingSigningKeys> {
    const keys = new RotatingSigningKeys(options);
    try {
      await keys.refresh();
      await keys.maintain();
    } catch (error) {
      if (keys.ring.length === 0) throw new Error(`no JWT signing key in OpenBao at ${options.path}: ${(error as Error).message}`);
      options.logger.warn(`JWT key ring not maintained at start-up, signing with the keys it has: ${(error as Error).message}`);
    }
    if (keys.ring.length === 0) throw new Error(`no usable JWT signing key in OpenBao at ${options.path}`);
    keys.recordAge();
    keys.schedule();
    return keys;
  }

  get current(): SigningKey {
    return this.view().signing;
  }

  get jwks(): { keys: JWK[] } {
    return this.view().jwks;
  }

  localKeySet(): JWTVerifyGetKey {
    return (header, token) => this.view().keySet(header, token);
  }

  /** The ring as last read: kids and times, no key material (for tests and diagnostics). */
  get keyIds(): Array<{ kid: string; createdAt: string; activeFrom: string }> {
    return this.ring.map((key) => ({ kid: key.kid, createdAt: key.created_at, activeFrom: key.active_from }));
  }

  /** Re-reads the ring; true when it changed. */
  refresh(): Promise<boolean> {
    return this.exclusive(() => this.read());
  }

  /**
   * Rotates when the newest key is due, otherwise drops retired keys; a
   * check-and-set conflict means another replica did it first: re-read.
   * Throws what is not a conflict (after counting a failed rotation).
   */
  maintain(): Promise<void> {
    return this.exclusive(async () => {
      const now = this.now();
      const schedule = this.options.schedule();
      if (rotationDue(this.ring, now, schedule.rotationIntervalMs)) {
        const first = this.ring.length === 0;
        const next = rotatedRing(this.ring, now, schedule);
        const written = await this.write(next.keys, 'rotation');
        if (written === 'conflict') return;
        this.options.metrics.rotated('jwt_signing_key', written === 'ok');
        if (written !== 'ok') throw written;
        this.options.logger.log(
          first
            ? `JWT key ring at ${this.options.path} created with key ${next.added.kid}`
            : `JWT signing key rotated: ${next.added.kid} published, signs from ${next.added.active_from}`,
        );
        return;
      }
      const kept = publishedKeys(this.ring, now, schedule.retireAfterMs);
      if (kept.length < this.ring.length) {
        const written = await this.write(kept, 'retirement');
        if (written instanceof Error) throw written;
      }
    });
  }

  /** Stops the refresh timer and waits for a ring operation under way. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.queue.catch(() => undefined);
  }

  onModuleDestroy(): Promise<void> {
    return this.close();
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.tick().finally(() => this.schedule()), this.options.schedule().refreshMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.closed) return;
    try {
      await this.refresh();
      await this.maintain();
    } catch (error) {
      this.options.logger.warn(`JWT key ring at ${this.options.path}: ${(error as Error).message}`);
    }
    this.recordAge();
  }

  private exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(operation);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async read(): Promise<boolean> {
    const entry = await this.options.store.read<RingEntry>(this.options.path);
    const version = entry?.version ?? 0;
    if (version === this.version && version !== 0) return false;
    const { keys, malformed } = parseRing(entry?.data);
    if (malformed) this.options.logger.warn(`JWT key ring version ${version}: ${malformed} malformed entr${malformed === 1 ? 'y' : 'ies'} ignored`);
    const { keys: _keys, ...extra } = entry?.data ?? { keys: [] };
    await this.apply(keys, version, extra);
    return true;
  }

  /** 'ok', 'conflict' (re-read done), or the error. */
  private async write(keys: StoredKey[], what: string): Promise<'ok' | 'conflict' | Error> {
    try {
      const version = await this.options.store.writeIfUnchanged<RingEntry>(this.options.path, { ...this.extra, keys }, this.version);
      await this.apply(keys, version, this.extra);
      return 'ok';
    } catch (error) {
      if (!(error instanceof CasConflict)) return error as Error;
      this.options.logger.debug(`JWT key ring ${what}: version ${this.version} already changed by another replica; re-reading`);
      await this.read();
      return 'conflict';
    }
  }

  private async apply(keys: StoredKey[], version: number, extra: Record<string, unknown>): Promise<void> {
    const usable: StoredKey[] = [];
    for (const key of keys) {
      if (!this.parsed.has(key.kid)) {
        try {
          this.parsed.set(key.kid, await signingKey(key.kid, createPrivateKey({ key: key.private_key_pem, format: 'pem' })));
        } catch {
          this.options.logger.warn(`JWT key ring version ${version}: key ${key.kid} is not a usable private key; ignored`);
          continue;
        }
      }
      usable.push(key);
    }
    const before = new Set(this.ring.map((key) => key.kid));
    const after = new Set(usable.map((key) => key.kid));
    const added = [...after].filter((kid) => !before.has(kid));
    const removed = [...before].filter((kid) => !after.has(kid));
    for (const kid of this.parsed.keys()) if (!after.has(kid)) this.parsed.delete(kid);
    this.ring = usable;
    this.extra = extra;
    this.version = version;
    this.cached = undefined;
    if (added.length || removed.length) {
      const change = [added.length && `new ${added.join(', ')}`, removed.length && `retired ${removed.join(', ')}`].filter(Boolean).join('; ');
      this.options.logger.log(`JWT key ring version ${version}: ${change}`);
    }
  }

  /** What signs and what is published, recomputed when the ring changes or a key starts signing or retires. */
  private view(): View {
    const now = this.now();
    const cached = this.cached;
    if (cached && cached.version === this.version && now >= cached.from && now < cached.until) return cached;
    const { retireAfterMs } = this.options.schedule();
    const signingStored = signingKeyAt(this.ring, now);
    if (!signingStored) throw new Error('the JWT key ring is empty');
    const published = publishedKeys(this.ring, now, retireAfterMs).map((key) => this.parsed.get(key.kid)!.publicJwk);
    const kids = new Set(published.map((jwk) => jwk.kid));
    const verifyOnly = (this.options.verifyOnlyKeys ?? []).filter((jwk) => !kids.has(jwk.kid)).map(withJwkDefaults);
    const jwks = { keys: [...published, ...verifyOnly] };
    this.cached = {
      version: this.version,
      from: now,
      until: nextChange(this.ring, now, retireAfterMs) ?? Number.POSITIVE_INFINITY,
      signing: this.parsed.get(signingStored.kid)!,
      signingCreatedAt: Date.parse(signingStored.created_at),
      jwks,
      keySet: createLocalJWKSet(jwks),
    };
    return this.cached;
  }

  private recordAge(): void {
    if (this.ring.length === 0) return;
    const view = this.view();
    this.options.metrics.signingKeyAge.set(Math.max(0, (this.now() - view.signingCreatedAt) / 1000));
  }
}
