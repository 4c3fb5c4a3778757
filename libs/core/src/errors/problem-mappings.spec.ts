import { mappedProblem, mapErrorsToProblems } from './problem-mappings';

class StoreError extends Error {
  constructor(readonly status: number | undefined) {
    super('store failed');
  }
}
class UnrelatedError extends Error {}

describe('mapErrorsToProblems', () => {
  mapErrorsToProblems(StoreError, (error) => (error.status === undefined ? { status: 503, detail: 'try again shortly' } : undefined));

  it('maps an error of a registered class (and of its subclasses) through its mapping', () => {
    expect(mappedProblem(new StoreError(undefined))).toEqual({ status: 503, detail: 'try again shortly' });
    expect(mappedProblem(new (class extends StoreError {})(undefined))).toEqual({ status: 503, detail: 'try again shortly' });
  });

  it('leaves to the default what the mapping declines and any error of another class', () => {
    expect(mappedProblem(new StoreError(403))).toBeUndefined();
    expect(mappedProblem(new UnrelatedError('x'))).toBeUndefined();
    expect(mappedProblem('not an error')).toBeUndefined();
  });
});
