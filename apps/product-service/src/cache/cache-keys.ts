import { createHash } from 'node:crypto';

/**
 * Every key this service writes starts with the service name, so several
 * services can share one Redis. `v1` is the format of the cached value: bump it
 * when the cached DTO changes shape, and old entries are simply never read again.
 */
const PREFIX = 'product-service:v1';

export const productKey = (productId: string): string => `${PREFIX}:product:${productId}`;

/** INCR on this key invalidates every cached search at once (it is part of each search key). */
export const searchVersionKey = (): string => `${PREFIX}:search:version`;

type SearchParams = Record<string, string | number | undefined>;

/**
 * The same search always gets the same key: parameters in a fixed order, absent
 * ones dropped, the text trimmed and lower-cased (full-text matching ignores case
 * and extra spaces). Hashed, so user text never makes a key long or odd.
 */
export function searchKey(version: string | number, params: SearchParams): string {
  const canonical = Object.keys(params)
    .sort()
    .filter((name) => params[name] !== undefined && params[name] !== '')
    .map((name) => {
      const value = params[name];
      const normalized = typeof value === 'string' ? value.trim().replace(/\s+/g, ' ').toLowerCase() : value;
      return `${name}=${encodeURIComponent(String(normalized))}`;
    })
    .join('&');
  const digest = createHash('sha256').update(canonical).digest('base64url').slice(0, 32);
  return `${PREFIX}:search:${version}:${digest}`;
}
