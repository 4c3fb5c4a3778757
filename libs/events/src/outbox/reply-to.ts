import type { Envelope } from '../schemas/envelope';
import type { MessageType, OutgoingPayload } from '../schemas/message-schemas';
import type { OutboxDraft } from './outbox-writer';

export interface ReplyDraft<T extends MessageType> {
  topic: string;
  type: T;
  payload: OutgoingPayload<T>;
  id?: string;
  occurredAt?: Date;
}

/**
 * The outbox draft of a reply to a saga command: it carries the command's
 * correlationId (the saga id; replies have no sagaId field), names the command
 * as its cause, and is keyed by the saga, so the coordinator reads one saga's
 * replies in the order they were written.
 *
 *   await outbox.write(context.manager, replyTo(command, { topic: topics.order.sagaReplies, type: 'InventoryReserved', payload }));
 */
export function replyTo<T extends MessageType>(command: Envelope, reply: ReplyDraft<T>): OutboxDraft<T> {
  if (!command.correlationId) {
    throw new Error(`cannot reply to ${command.type} ${command.id}: it carries no correlationId (the saga id)`);
  }
  return { ...reply, aggregateId: command.correlationId, correlationId: command.correlationId, causationId: command.id };
}
