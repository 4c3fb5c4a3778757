import { generateKeyPairSync, randomBytes } from 'node:crypto';

/**
 * The JWT key ring as stored in OpenBao KV v2 (`<kvPath>/jwt-signing-keys`),
 * shared by every user-service replica. Pure functions of the ring and a
 * time; the I/O lives in RotatingSigningKeys.
 *
 * A key's life:
 *   created ── published in the JWKS (not yet signing), so every replica and
 *      │       every verifier's JWKS cache learns it before any token carries it
 *   active_from ── signs new tokens (the newest key whose active_from has come)
 *      │
 *   successor's active_from ── stops signing; its tokens are still in circulation
 *      │
 *   + access-token TTL + margin ── retired: every token it signed has expired;
 *                                  gone from the JWKS and dropped from the ring
 */
export interface StoredKey {
  kid: string;
  /** PKCS8 PEM of the ES256 private key. Never logged. */
  private_key_pem: string;
  /** ISO 8601. */
  created_at: string;
  /** ISO 8601: signs new tokens from then on (until a newer key becomes active). */
  active_from: string;
}

export interface KeyRingData {
  keys: StoredKey[];
}

export interface RingPolicy {
  /** A new key is made when the newest one is this old. */
  rotationIntervalMs: number;
  /** A new key is published this long before it signs (>= the ring refresh interval). */
  propagationDelayMs: number;
  /** Access-token lifetime plus margin: how long a key stays published after its successor took over. */
  retireAfterMs: number;
}

const time = (iso: string) => Date.parse(iso);

const isStoredKey = (value: unknown): value is StoredKey => {
  const key = value as Partial<StoredKey> | null;
  return (
    typeof key === 'object' &&
    key !== null &&
    typeof key.kid === 'string' &&
    /^[\w.-]{1,64}$/.test(key.kid) &&
    typeof key.private_key_pem === 'string' &&
    typeof key.created_at === 'string' &&
    !Number.isNaN(time(key.created_at)) &&
    typeof key.active_from === 'string' &&
    !Number.isNaN(time(key.active_from))
  );
};

/** The well-formed keys of a KV entry, oldest activation first; `malformed` counts what was skipped. */
export function parseRing(data: unknown): { keys: StoredKey[]; malformed: number } {
  const raw = (data as Partial<KeyRingData> | undefined)?.keys;
  const entries: unknown[] = Array.isArray(raw) ? raw : [];
  const keys = entries.filter(isStoredKey);
  return { keys: sortByActivation(keys), malformed: entries.length - keys.length };
}

export function sortByActivation(keys: StoredKey[]): StoredKey[] {
  return [...keys].sort(
    (a, b) => time(a.active_from) - time(b.active_from) || time(a.created_at) - time(b.created_at) || a.kid.localeCompare(b.kid),
  );
}

/**
 * The key that signs at `now`: the newest whose active_from has come. If none
 * has yet (cannot happen with rings this code writes), the earliest one: better
 * a key every replica already publishes than no token at all.
 */
export function signingKeyAt(keys: StoredKey[], now: number): StoredKey | undefined {
  const sorted = sortByActivation(keys);
  const active = sorted.filter((key) => time(key.active_from) <= now);
  return active.at(-1) ?? sorted[0];
}

/** When `key` is retired: its successor's activation plus the retirement delay; undefined while it has none. */
export function retirementTime(keys: StoredKey[], key: StoredKey, retireAfterMs: number): number | undefined {
  const from = time(key.active_from);
  const successors = keys.map((other) => time(other.active_from)).filter((at) => at > from);
  return successors.length ? Math.min(...successors) + retireAfterMs : undefined;
}

/** Keys still published at `now` (everything but the retired ones; the one signing is never retired). */
export function publishedKeys(keys: StoredKey[], now: number, retireAfterMs: number): StoredKey[] {
  const signing = signingKeyAt(keys, now);
  return sortByActivation(keys).filter((key) => {
    if (key === signing) return true;
    const retiredAt = retirementTime(keys, key, retireAfterMs);
    return retiredAt === undefined || retiredAt > now;
  });
}

/** Due for a new key: the ring is empty, or its newest key is older than the rotation interval. */
export function rotationDue(keys: StoredKey[], now: number, rotationIntervalMs: number): boolean {
  if (keys.length === 0) return true;
  const newest = Math.max(...keys.map((key) => time(key.created_at)));
  return now - newest >= rotationIntervalMs;
}

/** The next moment the view changes by itself (a key starts signing or retires); undefined: never. */
export function nextChange(keys: StoredKey[], now: number, retireAfterMs: number): number | undefined {
  const moments = keys.flatMap((key) => [time(key.active_from), retirementTime(keys, key, retireAfterMs)]);
  const future = moments.filter((at): at is number => at !== undefined && at > now);
  return future.length ? Math.min(...future) : undefined;
}

const compactTime = (at: number) => new Date(at).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

/** A fresh ES256 key. The first key of an empty ring signs at once (nobody can hold a token yet). */
export function newStoredKey(now: number, activeFrom: number): StoredKey {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    kid: `user-${compactTime(now)}-${randomBytes(4).toString('hex')}`,
    private_key_pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    created_at: new Date(now).toISOString(),
    active_from: new Date(activeFrom).toISOString(),
  };
}

/** The ring after a rotation at `now`: retired keys dropped, the new key appended. */
export function rotatedRing(keys: StoredKey[], now: number, policy: RingPolicy): { keys: StoredKey[]; added: StoredKey } {
  const activeFrom = keys.length === 0 ? now : now + policy.propagationDelayMs;
  const added = newStoredKey(now, activeFrom);
  return { keys: [...publishedKeys(keys, now, policy.retireAfterMs), added], added };
}
