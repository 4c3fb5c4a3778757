import { canonicalJson, requestHash } from './request-hash';

describe('request hash (Idempotency-Key bodies)', () => {
  it('does not depend on the order of object keys, at any depth', () => {
    const a = { items: [{ productId: 'p1', quantity: 2 }], note: { x: 1, y: [1, { b: 2, a: 1 }] } };
    const b = { note: { y: [1, { a: 1, b: 2 }], x: 1 }, items: [{ quantity: 2, productId: 'p1' }] };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(requestHash(a)).toBe(requestHash(b));
  });

  it('sorts keys and drops undefined members, like JSON.stringify would drop them', () => {
    expect(canonicalJson({ b: 1, a: 'x', c: undefined })).toBe('{"a":"x","b":1}');
  });

  it('is a hex SHA-256', () => {
    expect(requestHash({ items: [] })).toMatch(/^[0-9a-f]{64}$/);
  });

  it('differs when a value, the line order or the number of lines differs', () => {
    const base = requestHash({ items: [{ productId: 'p1', quantity: 1 }, { productId: 'p2', quantity: 1 }] });
    expect(requestHash({ items: [{ productId: 'p1', quantity: 2 }, { productId: 'p2', quantity: 1 }] })).not.toBe(base);
    expect(requestHash({ items: [{ productId: 'p2', quantity: 1 }, { productId: 'p1', quantity: 1 }] })).not.toBe(base);
    expect(requestHash({ items: [{ productId: 'p1', quantity: 1 }] })).not.toBe(base);
  });

  it('tells a number from a string', () => {
    expect(requestHash({ quantity: 1 })).not.toBe(requestHash({ quantity: '1' }));
  });

  it('hashes a class instance (a validated DTO) like the plain object it came from', () => {
    class Item {
      constructor(
        readonly quantity: number,
        readonly productId: string,
      ) {}
    }
    expect(requestHash({ items: [new Item(1, 'p1')] })).toBe(requestHash({ items: [{ productId: 'p1', quantity: 1 }] }));
  });
});
