import { BROWSE_MIX, CATALOG, SEARCH_TERMS, nth, pickWeighted } from './shop';

describe('pickWeighted', () => {
  it('gives each request the share of [0, 1) its weight asks for, in order', () => {
    const picks = Array.from({ length: 1000 }, (_, i) => pickWeighted(BROWSE_MIX, i / 1000));
    const counts = picks.reduce<Record<string, number>>((sum, pick) => ({ ...sum, [pick]: (sum[pick] ?? 0) + 1 }), {});
    expect(counts).toEqual({ productRead: 700, search: 200, productList: 100 });
    expect(picks.indexOf('search')).toBe(700);
    expect(picks.indexOf('productList')).toBe(900);
  });

  it('never picks a zero weight, and gives the last request for a unit at the very top', () => {
    const weights = { never: 0, sometimes: 1, often: 3 };
    expect(pickWeighted(weights, 0)).toBe('sometimes');
    expect(pickWeighted(weights, 0.2499)).toBe('sometimes');
    expect(pickWeighted(weights, 0.25)).toBe('often');
    expect(pickWeighted(weights, 1 - Number.EPSILON)).toBe('often');
  });
});

describe('nth', () => {
  it('wraps around in both directions', () => {
    const items = ['a', 'b', 'c'];
    expect([0, 1, 2, 3, 7].map((n) => nth(items, n))).toEqual(['a', 'b', 'c', 'a', 'b']);
    expect([-1, -3, -4].map((n) => nth(items, n))).toEqual(['c', 'a', 'c']);
  });
});

describe('the scenario data', () => {
  it('seeds distinct SKU prefixes that stay valid SKUs with a run suffix', () => {
    const prefixes = CATALOG.map((product) => product.skuPrefix);
    expect(new Set(prefixes).size).toBe(prefixes.length);
    for (const prefix of prefixes) expect(`${prefix}-1A2B3C4D`).toMatch(/^[A-Z0-9][A-Z0-9-]{0,63}$/);
  });

  it('searches only for words the seeded catalog has, so every search finds something', () => {
    const words = CATALOG.map((product) => `${product.name} ${product.category}`.toLowerCase());
    for (const term of SEARCH_TERMS) {
      expect(words.some((text) => term.split(' ').every((word) => text.includes(word)))).toBe(true);
    }
  });
});
