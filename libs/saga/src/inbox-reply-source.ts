import type { MessageHandlers, ReplyType } from '@ecotrack/events';
import type { EntityManager } from 'typeorm';
import type { SagaReply, SagaReplySource } from './coordinator';

/**
 * Replies come through the service's consumer and inbox: each is handled once, in the transaction
 * that records it in the inbox, so the saga's state change commits (or not) with it. The envelope
 * names the saga (correlationId) and the command answered (causationId), as `replyTo` writes them.
 */
export class InboxReplySource implements SagaReplySource {
  constructor(private readonly handlers: MessageHandlers) {}

  subscribe(topic: string, types: readonly ReplyType[], handle: (tx: EntityManager, reply: SagaReply) => Promise<unknown>): void {
    for (const type of types) {
      this.handlers.on(topic, type, async (reply, { manager }) => {
        if (!reply.correlationId || !reply.causationId) return; // not a saga reply: nothing to match it with
        await handle(manager, { sagaId: reply.correlationId, inReplyTo: reply.causationId, type, payload: reply.payload });
      });
    }
  }
}
