import type { ProductDto } from './dto/product.dto';

/** The product columns, for raw SQL (search, recommendations, warming) that returns products. */
export const PRODUCT_COLUMNS = `p.id, p.sku, p.name, p.description, p.category, p.price_cents, p.currency, p.carbon_kg_co2e, p.stock`;

export interface ProductRow {
  id: string;
  sku: string;
  name: string;
  description: string;
  category: string;
  price_cents: number;
  currency: string;
  /** numeric arrives from pg as a string. */
  carbon_kg_co2e: string;
  stock: number;
}

export function productFromRow(row: ProductRow): ProductDto {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    description: row.description,
    category: row.category,
    priceCents: row.price_cents,
    currency: row.currency,
    carbonKgCo2e: Number(row.carbon_kg_co2e),
    stock: row.stock,
  };
}
