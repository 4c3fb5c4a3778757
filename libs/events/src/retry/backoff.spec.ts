import { backoffDelay, pause } from './backoff';

describe('backoffDelay', () => {
  it('doubles from the initial delay per failed attempt, capped', () => {
    const policy = { initialMs: 200, maxMs: 3_000 };
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(attempt, policy))).toEqual([200, 400, 800, 1_600, 3_000, 3_000]);
  });

  it('honours another multiplier', () => {
    expect([1, 2, 3].map((attempt) => backoffDelay(attempt, { initialMs: 100, maxMs: 10_000, multiplier: 3 }))).toEqual([100, 300, 900]);
  });

  it('never exceeds the cap, even after very many attempts (no overflow to Infinity or NaN)', () => {
    expect(backoffDelay(5_000, { initialMs: 500, maxMs: 30_000 })).toBe(30_000);
  });

  it('treats attempt 0 or less as the first', () => {
    expect(backoffDelay(0, { initialMs: 250, maxMs: 1_000 })).toBe(250);
    expect(backoffDelay(-3, { initialMs: 250, maxMs: 1_000 })).toBe(250);
  });
});

describe('pause', () => {
  it('resolves true after the delay, false when aborted (so a stopping consumer does not sit out a backoff)', async () => {
    expect(await pause(1)).toBe(true);
    const abort = new AbortController();
    const waiting = pause(60_000, abort.signal);
    abort.abort();
    expect(await waiting).toBe(false);
    expect(await pause(60_000, abort.signal)).toBe(false);
  });
});
