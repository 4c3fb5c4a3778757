import { eventsEntities, eventsMigrations } from '@ecotrack/events';
import { Category } from './catalog/category.entity';
import { Product } from './catalog/product.entity';
import { CreateProducts1764150000000 } from './migrations/1764150000000-create-products';
import { CreateCategories1764300000000 } from './migrations/1764300000000-create-categories';
import { AddProductSearch1764300001000 } from './migrations/1764300001000-add-product-search';
import { CreateCoPurchases1764300002000 } from './migrations/1764300002000-create-co-purchases';
import { CreateStockReservations1764300003000 } from './migrations/1764300003000-create-stock-reservations';
import { AddSagaParticipant1764700003000 } from './migrations/1764700003000-add-saga-participant';

/**
 * Listed explicitly (no globs): what the app maps and what the migration step applies.
 * Co-purchases and reservations have no entity: only hand-written SQL touches them
 * (one-statement upserts, locked decrements), so a mapping would be unused.
 * The outbox and the inbox come from @ecotrack/events.
 */
export const entities = [Product, Category, ...eventsEntities];
export const migrations = [
  CreateProducts1764150000000,
  CreateCategories1764300000000,
  AddProductSearch1764300001000,
  CreateCoPurchases1764300002000,
  CreateStockReservations1764300003000,
  ...eventsMigrations,
  AddSagaParticipant1764700003000,
];
