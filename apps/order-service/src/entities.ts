import { Order } from './orders/order.entity';
import { CreateOrders1764150000000 } from './migrations/1764150000000-create-orders';

/** Listed explicitly (no globs): what the app maps and what the migration step applies. */
export const entities = [Order];
export const migrations = [CreateOrders1764150000000];
