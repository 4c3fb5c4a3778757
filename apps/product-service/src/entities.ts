import { Product } from './catalog/product.entity';
import { CreateProducts1764150000000 } from './migrations/1764150000000-create-products';

/** Listed explicitly (no globs): what the app maps and what the migration step applies. */
export const entities = [Product];
export const migrations = [CreateProducts1764150000000];
