import { normalizeItems, sameItems } from './reservation-items';

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';

describe('normalizeItems', () => {
  it('sorts by product id so every transaction locks rows in the same order', () => {
    expect(normalizeItems([{ productId: B, quantity: 1 }, { productId: A, quantity: 2 }])).toEqual([
      { productId: A, quantity: 2 },
      { productId: B, quantity: 1 },
    ]);
  });

  it('adds up repeated products (also when the UUID is spelled in upper case)', () => {
    expect(normalizeItems([{ productId: A, quantity: 2 }, { productId: A.toUpperCase(), quantity: 3 }])).toEqual([{ productId: A, quantity: 5 }]);
  });
});

describe('sameItems', () => {
  it('is true for the same lines in any order', () => {
    expect(sameItems([{ productId: A, quantity: 1 }, { productId: B, quantity: 2 }], [{ productId: B, quantity: 2 }, { productId: A, quantity: 1 }])).toBe(true);
  });

  it('is false for another quantity or another product set', () => {
    expect(sameItems([{ productId: A, quantity: 1 }], [{ productId: A, quantity: 2 }])).toBe(false);
    expect(sameItems([{ productId: A, quantity: 1 }], [{ productId: A, quantity: 1 }, { productId: B, quantity: 1 }])).toBe(false);
  });
});
