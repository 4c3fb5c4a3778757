import type { OutboxWriter } from '@ecotrack/events';
import type { EntityManager } from 'typeorm';
import type { SagaCommandSender } from './coordinator';
import type { SagaCommand } from './definition';

/**
 * Saga commands go through the service's outbox: validated against the message schemas,
 * committed with the saga's state change, carrying the saga id as correlation id (participants
 * copy it into their replies) and the active trace context.
 */
export class OutboxCommandSender implements SagaCommandSender {
  constructor(private readonly outbox: OutboxWriter) {}

  async send(tx: EntityManager, command: SagaCommand, saga: { sagaId: string }): Promise<string> {
    const envelope = await this.outbox.write(tx, {
      topic: command.topic,
      type: command.type,
      aggregateId: command.key,
      payload: command.payload,
      correlationId: saga.sagaId,
    });
    return envelope.id;
  }
}
