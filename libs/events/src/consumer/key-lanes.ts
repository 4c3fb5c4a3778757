import type { KafkaMessage } from 'kafkajs';

export interface LanesOutcome {
  /** The last offset such that it and every message before it in the batch are done: what may be committed. */
  doneThrough?: string;
  /** The first error a lane stopped with (its later messages, and all after the gap, are redelivered). */
  error?: unknown;
}

/** Messages without a key share one lane: nothing tells which of them may overtake another. */
const laneOf = (message: KafkaMessage) => (message.key ? `k:${message.key.toString('latin1')}` : 'no key');

/**
 * Handles a fetched batch of one partition with up to `concurrency` keys at once: messages of
 * one key run one after the other in offset order (a key's order is what the producer and the
 * outbox guarantee, and all a consumer relies on), different keys overlap. So a burst of orders
 * that hash to one partition is not handled strictly one by one.
 *
 * A lane stops at its first error (`keepGoing` false stops them all between messages). What is
 * returned is the offset up to which EVERYTHING is done: committing it never skips a message
 * that is not done; the messages after it are delivered again and the inbox drops the repeats.
 */
export async function handleInKeyLanes(
  messages: KafkaMessage[],
  concurrency: number,
  handle: (message: KafkaMessage) => Promise<void>,
  keepGoing: () => boolean = () => true,
): Promise<LanesOutcome> {
  const lanes = new Map<string, KafkaMessage[]>();
  for (const message of messages) {
    const lane = lanes.get(laneOf(message));
    if (lane) lane.push(message);
    else lanes.set(laneOf(message), [message]);
  }
  const done = new Set<KafkaMessage>();
  const waiting = [...lanes.values()];
  let error: unknown;
  let failed = false;
  const worker = async () => {
    for (let lane = waiting.shift(); lane && !failed; lane = waiting.shift()) {
      for (const message of lane) {
        if (failed || !keepGoing()) return;
        try {
          await handle(message);
        } catch (caught) {
          if (!failed) error = caught;
          failed = true;
          return;
        }
        done.add(message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, lanes.size)) }, worker));
  let doneThrough: string | undefined;
  for (const message of messages) {
    if (!done.has(message)) break;
    doneThrough = message.offset;
  }
  return failed ? { doneThrough, error } : { doneThrough };
}
