import type { EntityManager } from 'typeorm';
import type { Envelope } from '../schemas/envelope';
import type { MessageType } from '../schemas/message-schemas';
import { assertTopicName } from '../schemas/topics';

export interface HandlerContext {
  /**
   * The transaction the inbox row was written in: write the effect (and any
   * reply, through OutboxWriter) with it, and all of it commits once or never.
   */
  manager: EntityManager;
  topic: string;
  partition: number;
  offset: string;
  /** 1 on first delivery to the handler, 2 on the first in-process retry, ... */
  attempt: number;
}

export type MessageHandler<T extends MessageType = MessageType> = (message: Envelope<T>, context: HandlerContext) => Promise<void>;

/**
 * Which handler runs for which (topic, message type). A service registers its
 * handlers at start-up (onModuleInit); its consumer subscribes to exactly the
 * topics that have one. A message of a type nobody here handles is skipped
 * (topics carry many types; each service takes what it needs).
 */
export class MessageHandlers {
  private readonly byTopic = new Map<string, Map<MessageType, MessageHandler>>();

  on<T extends MessageType>(topic: string, type: T, handler: MessageHandler<T>): this {
    assertTopicName(topic);
    const handlers = this.byTopic.get(topic) ?? new Map<MessageType, MessageHandler>();
    if (handlers.has(type)) throw new Error(`a handler for ${type} on ${topic} is already registered`);
    // Stored untyped; find() is only ever asked for the type the message has.
    handlers.set(type, handler as unknown as MessageHandler);
    this.byTopic.set(topic, handlers);
    return this;
  }

  find(topic: string, type: MessageType): MessageHandler | undefined {
    return this.byTopic.get(topic)?.get(type);
  }

  get topics(): string[] {
    return [...this.byTopic.keys()];
  }
}
