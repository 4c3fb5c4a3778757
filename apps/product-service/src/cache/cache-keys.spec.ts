import { productKey, searchKey, searchVersionKey } from './cache-keys';

describe('cache keys', () => {
  it('namespaces product keys by service and value format', () => {
    expect(productKey('6f1c2b8e-2d4a-4c1e-9a43-3f6f0c9b8a11')).toBe('product-service:v1:product:6f1c2b8e-2d4a-4c1e-9a43-3f6f0c9b8a11');
    expect(searchVersionKey()).toBe('product-service:v1:search:version');
  });

  it('gives the same search the same key, whatever the parameter order, case or spacing', () => {
    const a = searchKey(3, { q: '  Bamboo   Toothbrush ', sort: 'relevance', limit: 20, offset: 0 });
    const b = searchKey(3, { offset: 0, limit: 20, sort: 'relevance', q: 'bamboo toothbrush' });
    expect(a).toBe(b);
    expect(a).toMatch(/^product-service:v1:search:3:[\w-]{32}$/);
  });

  it('ignores absent parameters', () => {
    expect(searchKey(1, { q: 'straw', category: undefined, maxCarbon: undefined })).toBe(searchKey(1, { q: 'straw' }));
  });

  it('separates different searches, and the same search under another version', () => {
    const base = { q: 'straw', limit: 20, offset: 0 };
    const keys = new Set([
      searchKey(1, base),
      searchKey(2, base),
      searchKey(1, { ...base, offset: 20 }),
      searchKey(1, { ...base, q: 'straws' }),
      searchKey(1, { ...base, category: 'kitchen' }),
      // "=" and "&" in user text cannot forge another parameter list
      searchKey(1, { q: 'straw&limit=20', offset: 0 }),
    ]);
    expect(keys.size).toBe(6);
  });
});
