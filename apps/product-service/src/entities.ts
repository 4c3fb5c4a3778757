import { Category } from './catalog/category.entity';
import { Product } from './catalog/product.entity';
import { CreateProducts1764150000000 } from './migrations/1764150000000-create-products';
import { CreateCategories1764300000000 } from './migrations/1764300000000-create-categories';
import { AddProductSearch1764300001000 } from './migrations/1764300001000-add-product-search';
import { CreateCoPurchases1764300002000 } from './migrations/1764300002000-create-co-purchases';
import { CreateStockReservations1764300003000 } from './migrations/1764300003000-create-stock-reservations';

/**
 * Listed explicitly (no globs): what the app maps and what the migration step applies.
 * Co-purchases and reservations have no entity: only hand-written SQL touches them
 * (one-statement upserts, conditional decrements), so a mapping would be unused.
 */
export const entities = [Product, Category];
export const migrations = [
  CreateProducts1764150000000,
  CreateCategories1764300000000,
  AddProductSearch1764300001000,
  CreateCoPurchases1764300002000,
  CreateStockReservations1764300003000,
];
