import { createPrivateKey } from 'node:crypto';
import {
  newStoredKey,
  nextChange,
  parseRing,
  publishedKeys,
  retirementTime,
  rotatedRing,
  rotationDue,
  signingKeyAt,
  type StoredKey,
} from './key-ring';

const T0 = Date.parse('2025-11-01T00:00:00Z');
const minute = 60_000;
const key = (kid: string, createdAt: number, activeFrom = createdAt): StoredKey => ({
  kid,
  private_key_pem: 'unused',
  created_at: new Date(createdAt).toISOString(),
  active_from: new Date(activeFrom).toISOString(),
});

describe('key ring model', () => {
  // k1 signs from T0; k2 is made at T0+60 min and signs from T0+70 min; tokens live 15 min, +5 min margin.
  const k1 = key('k1', T0);
  const k2 = key('k2', T0 + 60 * minute, T0 + 70 * minute);
  const ring = [k2, k1];
  const retireAfterMs = 20 * minute;

  it('signs with the newest key whose activation has come', () => {
    expect(signingKeyAt(ring, T0 + 69 * minute)?.kid).toBe('k1');
    expect(signingKeyAt(ring, T0 + 70 * minute)?.kid).toBe('k2');
    expect(signingKeyAt([k2], T0)?.kid).toBe('k2'); // none active yet: the earliest rather than none
    expect(signingKeyAt([], T0)).toBeUndefined();
  });

  it('publishes a new key before it signs and the old one until its last token expired (plus margin)', () => {
    expect(publishedKeys(ring, T0 + 61 * minute, retireAfterMs).map((k) => k.kid)).toEqual(['k1', 'k2']);
    expect(retirementTime(ring, k1, retireAfterMs)).toBe(T0 + 90 * minute);
    expect(retirementTime(ring, k2, retireAfterMs)).toBeUndefined();
    expect(publishedKeys(ring, T0 + 90 * minute - 1, retireAfterMs).map((k) => k.kid)).toEqual(['k1', 'k2']);
    expect(publishedKeys(ring, T0 + 90 * minute, retireAfterMs).map((k) => k.kid)).toEqual(['k2']);
  });

  it('knows when the view changes by itself: activation, then retirement', () => {
    expect(nextChange(ring, T0 + 61 * minute, retireAfterMs)).toBe(T0 + 70 * minute);
    expect(nextChange(ring, T0 + 70 * minute, retireAfterMs)).toBe(T0 + 90 * minute);
    expect(nextChange(ring, T0 + 90 * minute, retireAfterMs)).toBeUndefined();
  });

  it('is due for rotation when empty or when the newest key is as old as the interval', () => {
    expect(rotationDue([], T0, 7 * 24 * 60 * minute)).toBe(true);
    expect(rotationDue(ring, T0 + 60 * minute + 10 * minute - 1, 10 * minute)).toBe(false);
    expect(rotationDue(ring, T0 + 70 * minute, 10 * minute)).toBe(true);
  });

  it('rotates: the first key signs at once, later ones after the propagation delay; retired keys are dropped', () => {
    const policy = { rotationIntervalMs: 60 * minute, propagationDelayMs: 10 * minute, retireAfterMs };
    const first = rotatedRing([], T0, policy);
    expect(first.keys).toEqual([first.added]);
    expect(first.added.active_from).toBe(first.added.created_at);

    const later = rotatedRing(ring, T0 + 130 * minute, policy);
    expect(later.keys.map((k) => k.kid)).toEqual(['k2', later.added.kid]); // k1 retired at T0+90 min
    expect(Date.parse(later.added.active_from)).toBe(T0 + 140 * minute);
  });

  it('makes ES256 keys with kids a JWKS and a config accept', () => {
    const made = newStoredKey(T0, T0);
    expect(made.kid).toMatch(/^user-20251101T000000Z-[0-9a-f]{8}$/);
    const privateKey = createPrivateKey(made.private_key_pem);
    expect(privateKey.asymmetricKeyType).toBe('ec');
    expect(privateKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(newStoredKey(T0, T0).kid).not.toBe(made.kid);
  });

  it('reads a stored ring defensively: malformed entries are counted and skipped', () => {
    expect(parseRing(undefined)).toEqual({ keys: [], malformed: 0 });
    expect(parseRing({ keys: 'nope' })).toEqual({ keys: [], malformed: 0 });
    const parsed = parseRing({ keys: [k2, { kid: 'bad' }, k1, { ...k1, kid: 'has space' }, { ...k1, active_from: 'soon' }] });
    expect(parsed.keys.map((k) => k.kid)).toEqual(['k1', 'k2']);
    expect(parsed.malformed).toBe(3);
  });
});
