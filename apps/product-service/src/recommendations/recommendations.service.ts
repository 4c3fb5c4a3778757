import { Injectable, NotFoundException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PRODUCT_COLUMNS, productFromRow, type ProductRow } from '../catalog/product-row';
import type { RecommendationsDto } from './recommendations.dto';

@Injectable()
export class RecommendationsService {
  constructor(private readonly db: DataSource) {}

  async forProduct(productId: string, limit: number): Promise<RecommendationsDto> {
    const [product] = await this.db.query(`SELECT category, price_cents FROM products WHERE id = $1`, [productId]);
    if (!product) throw new NotFoundException(`product ${productId} does not exist`);
    const [sameCategory, boughtTogether] = await Promise.all([
      this.db.query(
        `SELECT ${PRODUCT_COLUMNS} FROM products p
          WHERE p.category = $1 AND p.id <> $2
          ORDER BY abs(p.price_cents - $3::int), p.carbon_kg_co2e, p.id
          LIMIT $4`,
        [product.category, productId, product.price_cents, limit],
      ) as Promise<ProductRow[]>,
      this.db.query(
        `SELECT ${PRODUCT_COLUMNS}, pairs.purchase_count
           FROM (SELECT product_b AS other, purchase_count FROM product_co_purchases WHERE product_a = $1
                 UNION ALL
                 SELECT product_a, purchase_count FROM product_co_purchases WHERE product_b = $1) pairs
           JOIN products p ON p.id = pairs.other
          ORDER BY pairs.purchase_count DESC, p.carbon_kg_co2e, p.id
          LIMIT $2`,
        [productId, limit],
      ) as Promise<(ProductRow & { purchase_count: number })[]>,
    ]);
    return {
      productId,
      sameCategory: sameCategory.map(productFromRow),
      boughtTogether: boughtTogether.map((row) => ({ ...productFromRow(row), timesBoughtTogether: row.purchase_count })),
    };
  }

  /**
   * Counts one order's products as bought together: +1 for every pair, in one
   * statement (concurrent orders cannot lose increments). Duplicates and unknown
   * ids are ignored. Called by the order saga once an order is confirmed.
   */
  async recordPurchase(productIds: string[]): Promise<void> {
    if (new Set(productIds).size < 2) return;
    await this.db.query(
      `WITH bought AS (SELECT DISTINCT id FROM products WHERE id = ANY($1::uuid[]))
       INSERT INTO product_co_purchases (product_a, product_b, purchase_count)
       SELECT a.id, b.id, 1 FROM bought a JOIN bought b ON a.id < b.id
       ORDER BY a.id, b.id
       ON CONFLICT (product_a, product_b)
       DO UPDATE SET purchase_count = product_co_purchases.purchase_count + 1, updated_at = now()`,
      [productIds],
    );
  }
}
