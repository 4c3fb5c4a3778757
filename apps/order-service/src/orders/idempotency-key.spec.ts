import { ValidationProblemException } from '@ecotrack/platform';
import { isValidIdempotencyKey, parseIdempotencyKey } from './idempotency-key';

describe('Idempotency-Key header', () => {
  it.each(['a', '5d0f7c1e-8a4b-4e6f-9c2d-1a3b5c7d9e0f', 'k'.repeat(128), 'order:42/attempt_1'])('accepts %s', (key) => {
    expect(isValidIdempotencyKey(key)).toBe(true);
    expect(parseIdempotencyKey(key)).toBe(key);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['too long', 'k'.repeat(129)],
    ['with a space', 'a b'],
    ['non-ASCII', 'clé'],
    ['repeated (an array)', ['a', 'b']],
  ])('refuses a key that is %s with a 400 naming the header', (_case, value) => {
    expect(isValidIdempotencyKey(value)).toBe(false);
    let error: unknown;
    try {
      parseIdempotencyKey(value);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ValidationProblemException);
    expect((error as ValidationProblemException).errors).toEqual([expect.objectContaining({ field: 'Idempotency-Key' })]);
  });
});
