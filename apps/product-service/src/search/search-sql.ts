import type { SearchSort } from './search-query.dto';

export interface SearchCriteria {
  q?: string;
  category?: string;
  minPrice?: number;
  maxPrice?: number;
  maxCarbon?: number;
  sort: SearchSort;
}

export interface SearchSql {
  /** FROM/WHERE part shared by the page and the count; `rank` is selectable. */
  from: string;
  rank: string;
  orderBy: string;
  params: unknown[];
}

/** Sort orders end with p.id, so pages never overlap or skip rows with equal keys. */
const ORDER_BY: Record<SearchSort, string> = {
  relevance: 'rank DESC, p.created_at DESC, p.id',
  price_asc: 'p.price_cents ASC, p.id',
  price_desc: 'p.price_cents DESC, p.id',
  carbon_asc: 'p.carbon_kg_co2e ASC, p.id',
  newest: 'p.created_at DESC, p.id',
};

/**
 * Builds the parameterized SQL for a search (values only ever travel as
 * parameters). The text goes through websearch_to_tsquery, which accepts any
 * user input without syntax errors; relevance without text falls back to newest.
 */
export function buildSearchSql(criteria: SearchCriteria): SearchSql {
  const params: unknown[] = [];
  const where: string[] = [];
  const param = (value: unknown) => `$${params.push(value)}`;

  const text = criteria.q?.trim();
  let rank = '0::real';
  if (text) {
    const query = `websearch_to_tsquery('english', ${param(text)})`;
    where.push(`p.search_vector @@ ${query}`);
    rank = `ts_rank(p.search_vector, ${query})`;
  }
  if (criteria.category !== undefined) where.push(`p.category = ${param(criteria.category)}`);
  if (criteria.minPrice !== undefined) where.push(`p.price_cents >= ${param(criteria.minPrice)}`);
  if (criteria.maxPrice !== undefined) where.push(`p.price_cents <= ${param(criteria.maxPrice)}`);
  if (criteria.maxCarbon !== undefined) where.push(`p.carbon_kg_co2e <= ${param(criteria.maxCarbon)}`);

  const sort = criteria.sort === 'relevance' && !text ? 'newest' : criteria.sort;
  return {
    from: `products p${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`,
    rank,
    orderBy: ORDER_BY[sort],
    params,
  };
}
