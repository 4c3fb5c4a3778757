import { topics } from '@ecotrack/events';
import { expectJwks, expectMessage } from '../support/consumer';
import { consumerPact } from '../support/pact';

describe('product-service consumes order-service', () => {
  const pact = consumerPact('product-service', 'order-service');
  // inventory/inventory-commands.ts: the saga's commands to the inventory.
  it.each(['ReserveInventory', 'ConfirmReservation', 'ReleaseReservation', 'RestockReservation'] as const)('takes the %s command', (type) =>
    expectMessage(pact, { type, version: 1, topic: topics.product.commands, correlated: true }),
  );
});

describe('product-service consumes product-service', () => {
  // cache/cache-invalidation.ts: every instance forgets what another changed. During a rollout or
  // a canary, the old and the new version read each other's events: a contract like any other.
  const pact = consumerPact('product-service', 'product-service');
  it.each(['StockChanged', 'ProductPriceChanged'] as const)('reads the %s event', (type) => expectMessage(pact, { type, version: 1, topic: topics.product.events }));
});

describe('product-service consumes user-service', () => {
  it("verifies tokens with user-service's JWKS", () => expectJwks(consumerPact('product-service', 'user-service')));
});
