import { setTimeout as sleep } from 'node:timers/promises';

export interface BackoffPolicy {
  /** Delay before the 2nd attempt. */
  initialMs: number;
  /** No delay is ever longer than this. */
  maxMs: number;
  /** Growth per attempt; default 2. */
  multiplier?: number;
}

/**
 * Exponential backoff: the delay after failed attempt n (1-based) is
 * initialMs * multiplier^(n-1), capped at maxMs. Deterministic on purpose: each
 * caller (one relay, one partition) waits alone, there is no herd to spread.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy): number {
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  const delay = policy.initialMs * (policy.multiplier ?? 2) ** exponent;
  return Math.min(policy.maxMs, Math.round(delay));
}

/** Waits, unless the signal aborts first. Resolves true when the full delay passed. */
export async function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return false;
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch (error) {
    if ((error as Error).name === 'AbortError') return false;
    throw error;
  }
}
