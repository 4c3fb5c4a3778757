import { backoffMs } from './backoff';

describe('backoffMs', () => {
  it('doubles per attempt, jittered over the upper half of each ceiling', () => {
    expect([1, 2, 3, 4].map((attempt) => backoffMs(attempt, 1_000, () => 0))).toEqual([500, 1_000, 2_000, 4_000]);
    expect([1, 2, 3, 4].map((attempt) => backoffMs(attempt, 1_000, () => 1))).toEqual([1_000, 2_000, 4_000, 8_000]);
  });
});
