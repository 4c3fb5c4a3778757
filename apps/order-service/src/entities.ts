import { eventsEntities, eventsMigrations } from '@ecotrack/events';
import { CreateSagaInstances1764700001000 } from '@ecotrack/saga';
import { CreateOrders1764150000000 } from './migrations/1764150000000-create-orders';
import { CreateOrderLinesAndIdempotencyKeys1764400000000 } from './migrations/1764400000000-create-order-lines-and-idempotency-keys';
import { AddOrderSaga1764700002000 } from './migrations/1764700002000-add-order-saga';
import { IdempotencyRecord } from './orders/idempotency-record.entity';
import { OrderLine } from './orders/order-line.entity';
import { Order } from './orders/order.entity';

/** Listed explicitly (no globs): what the app maps and what the migration step applies. */
export const entities = [Order, OrderLine, IdempotencyRecord, ...eventsEntities];
export const migrations = [
  CreateOrders1764150000000,
  CreateOrderLinesAndIdempotencyKeys1764400000000,
  ...eventsMigrations,
  CreateSagaInstances1764700001000,
  AddOrderSaga1764700002000,
];
