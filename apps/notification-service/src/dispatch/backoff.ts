/** Exponential backoff with full jitter over the upper half: attempt 1 → [base/2, base], 2 → [base, 2·base], ... */
export function backoffMs(attempt: number, baseMs: number, random = Math.random): number {
  const ceiling = baseMs * 2 ** (attempt - 1);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
