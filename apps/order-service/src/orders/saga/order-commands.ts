import { topics, type CommandType, type OutgoingPayload } from '@ecotrack/events';
import type { SagaCommand } from '@ecotrack/saga';

/**
 * A command about an order, to a participant's topic. Every command of one order is keyed by the
 * order id: one partition, so a participant always sees them in the order the sagas sent them (a
 * release never overtakes its reserve).
 */
const commandTo =
  (topic: string) =>
  <T extends CommandType>(type: T, order: { orderId: string }, payload: OutgoingPayload<T>): SagaCommand<T> => ({ topic, type, key: order.orderId, payload });

export const toProducts = commandTo(topics.product.commands);
export const toPayments = commandTo(topics.payment.commands);
