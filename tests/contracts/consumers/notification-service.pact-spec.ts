import { latestVersionOf, topics } from '@ecotrack/events';
import { NOTIFYING_EVENTS } from '../../../apps/notification-service/src/events/event-notifications';
import { expectJwks, expectMessage } from '../support/consumer';
import { consumerPact } from '../support/pact';

/** Who announces what notification-service listens to: the service of each topic. */
const PRODUCER_OF_TOPIC: Record<string, string> = {
  [topics.user.events]: 'user-service',
  [topics.order.events]: 'order-service',
  [topics.payment.events]: 'payment-service',
};

/** The display name is optional in EmailVerified, and the welcome mail uses it when it came. */
const ALSO_READ: Record<string, readonly string[]> = { EmailVerified: ['name'] };

describe.each(Object.entries(PRODUCER_OF_TOPIC))('notification-service consumes %s (%s)', (topic, provider) => {
  const pact = consumerPact('notification-service', provider);
  const events = NOTIFYING_EVENTS.filter((event) => event.topic === topic);
  // Producers write the latest version of a type; that is the one the contract states.
  it.each(events.map((event) => event.type))('reads the %s event', (type) =>
    expectMessage(pact, { type, version: latestVersionOf(type), topic, alsoRead: ALSO_READ[type] }),
  );
  if (provider === 'user-service') it("verifies tokens with user-service's JWKS", () => expectJwks(pact));
});
