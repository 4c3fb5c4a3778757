import { buildSearchSql } from './search-sql';

describe('buildSearchSql', () => {
  it('without text or filters: all products, newest first (relevance has nothing to rank)', () => {
    expect(buildSearchSql({ sort: 'relevance' })).toEqual({
      from: 'products p',
      rank: '0::real',
      orderBy: 'p.created_at DESC, p.id',
      params: [],
    });
  });

  it('text: websearch_to_tsquery against the generated vector, ranked with ts_rank', () => {
    const sql = buildSearchSql({ q: ' bamboo -plastic ', sort: 'relevance' });
    expect(sql.from).toBe(`products p WHERE p.search_vector @@ websearch_to_tsquery('english', $1)`);
    expect(sql.rank).toBe(`ts_rank(p.search_vector, websearch_to_tsquery('english', $1))`);
    expect(sql.orderBy).toBe('rank DESC, p.created_at DESC, p.id');
    expect(sql.params).toEqual(['bamboo -plastic']);
  });

  it('every filter becomes a parameter, never SQL text', () => {
    const sql = buildSearchSql({ q: "x'; DROP TABLE products; --", category: 'kitchen', minPrice: 100, maxPrice: 900, maxCarbon: 0.5, sort: 'price_asc' });
    expect(sql.from).toBe(
      `products p WHERE p.search_vector @@ websearch_to_tsquery('english', $1) AND p.category = $2` +
        ` AND p.price_cents >= $3 AND p.price_cents <= $4 AND p.carbon_kg_co2e <= $5`,
    );
    expect(sql.params).toEqual(["x'; DROP TABLE products; --", 'kitchen', 100, 900, 0.5]);
    expect(sql.from).not.toContain('DROP');
  });

  it('zero is a filter, not "absent"', () => {
    expect(buildSearchSql({ minPrice: 0, maxCarbon: 0, sort: 'newest' }).params).toEqual([0, 0]);
  });

  it.each([
    ['price_asc', 'p.price_cents ASC, p.id'],
    ['price_desc', 'p.price_cents DESC, p.id'],
    ['carbon_asc', 'p.carbon_kg_co2e ASC, p.id'],
    ['newest', 'p.created_at DESC, p.id'],
  ] as const)('sort %s orders by %s (id last, so pages are stable)', (sort, orderBy) => {
    expect(buildSearchSql({ q: 'straw', sort }).orderBy).toBe(orderBy);
  });
});
