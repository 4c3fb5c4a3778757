import { loginOutcome } from './login-metrics';

describe('login outcomes', () => {
  it.each([
    [201, 'success'],
    [401, 'invalid_credentials'],
    [429, 'rate_limited'],
    [400, undefined],
    [500, undefined],
    [503, undefined],
  ])('an answer %d is %s', (status, outcome) => {
    expect(loginOutcome(status)).toBe(outcome);
  });
});
