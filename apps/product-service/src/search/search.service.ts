import { Injectable } from '@nestjs/common';
import { ValidationProblemException } from '@ecotrack/platform';
import { DataSource } from 'typeorm';
import { ReadCache } from '../cache/read-cache';
import { PRODUCT_COLUMNS, productFromRow, type ProductRow } from '../catalog/product-row';
import { buildSearchSql } from './search-sql';
import type { SearchPageDto, SearchProductsQuery } from './search-query.dto';

@Injectable()
export class SearchService {
  constructor(
    private readonly db: DataSource,
    private readonly cache: ReadCache,
  ) {}

  search(query: SearchProductsQuery): Promise<SearchPageDto> {
    if (query.minPrice !== undefined && query.maxPrice !== undefined && query.minPrice > query.maxPrice) {
      throw new ValidationProblemException([{ field: 'maxPrice', message: 'maxPrice must not be below minPrice' }]);
    }
    const { q, category, minPrice, maxPrice, maxCarbon, sort, limit, offset } = query;
    return this.cache.search({ q, category, minPrice, maxPrice, maxCarbon, sort, limit, offset }, () => this.fromDatabase(query));
  }

  private async fromDatabase(query: SearchProductsQuery): Promise<SearchPageDto> {
    const sql = buildSearchSql(query);
    const page = sql.params.length;
    const [rows, [{ total }]] = await Promise.all([
      this.db.query(
        `SELECT ${PRODUCT_COLUMNS}, ${sql.rank} AS rank FROM ${sql.from}
          ORDER BY ${sql.orderBy} LIMIT $${page + 1} OFFSET $${page + 2}`,
        [...sql.params, query.limit, query.offset],
      ) as Promise<(ProductRow & { rank: number })[]>,
      this.db.query(`SELECT count(*)::int AS total FROM ${sql.from}`, sql.params) as Promise<{ total: number }[]>,
    ]);
    return {
      items: rows.map((row) => ({ ...productFromRow(row), rank: Number(row.rank) })),
      total,
      limit: query.limit,
      offset: query.offset,
    };
  }
}
