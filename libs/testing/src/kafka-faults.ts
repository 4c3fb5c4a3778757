import { CompressionCodecs, CompressionTypes, PartitionAssigners, type Kafka, type Message } from 'kafkajs';

/**
 * Real ways to break a kafkajs consumer, from the outside, for tests of what comes after.
 * Read node_modules/kafkajs/src/consumer/runner.js and index.js (onCrash) for why each one is
 * what it says.
 */

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

/** Valid raw Snappy without compressing: the length, then literals of at most 64 KiB each. */
function snappyLiterals(data: Buffer): Buffer {
  const parts = [varint(data.length)];
  for (let at = 0; at < data.length; at += 0x10000) {
    const chunk = data.subarray(at, at + 0x10000);
    const n = chunk.length - 1;
    parts.push(n < 60 ? Buffer.from([n << 2]) : n < 0x100 ? Buffer.from([60 << 2, n]) : Buffer.from([61 << 2, n & 0xff, n >> 8]), chunk);
  }
  return Buffer.concat(parts);
}

/** Snappy in the framing Java producers write (xerial: magic, versions, one length-prefixed block). */
function xerialSnappy(data: Buffer): Buffer {
  const header = Buffer.from([0x82, ...Buffer.from('SNAPPY'), 0, 0, 0, 0, 1, 0, 0, 0, 1]);
  const block = snappyLiterals(data);
  const length = Buffer.alloc(4);
  length.writeInt32BE(block.length);
  return Buffer.concat([header, length, block]);
}

/**
 * Appends a Snappy-compressed record batch to a partition, as a producer in another language
 * would. The broker accepts it; kafkajs has no Snappy codec, and a fetch that returns the batch
 * fails with KafkaJSNotImplemented, which its runner does not retry: the consumer crashes, and
 * kafkajs would not restart it. Crashes again at each fetch from before the batch, until it is
 * deleted (deleteRecordsThrough). The codec is lent to kafkajs only for this one send.
 * Returns the batch's offset.
 */
export async function produceUndecodableBatch(kafka: Kafka, topic: string, partition: number, messages: Message[]): Promise<string> {
  const producer = kafka.producer();
  const original = CompressionCodecs[CompressionTypes.Snappy];
  await producer.connect();
  try {
    CompressionCodecs[CompressionTypes.Snappy] = () => ({
      compress: async (encoder: { buffer: Buffer }) => xerialSnappy(encoder.buffer),
      decompress: async () => {
        throw new Error('this test codec only compresses');
      },
    });
    const [written] = await producer.send({ topic, compression: CompressionTypes.Snappy, messages: messages.map((message) => ({ ...message, partition })) });
    return written.baseOffset!;
  } finally {
    CompressionCodecs[CompressionTypes.Snappy] = original;
    await producer.disconnect();
  }
}

/** What an operator does about a batch nobody can read: delete the partition's records up to and including it. */
export async function deleteRecordsThrough(kafka: Kafka, topic: string, partition: number, offset: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.fetchTopicMetadata({ topics: [topic] }); // deleteTopicRecords finds the leader in loaded metadata only
    await admin.deleteTopicRecords({ topic, partitions: [{ partition, offset: String(BigInt(offset) + 1n) }] });
  } finally {
    await admin.disconnect();
  }
}

/**
 * A member that holds a consumer group with an assignment protocol nobody else speaks. Any
 * other consumer's JoinGroup is then refused with INCONSISTENT_GROUP_PROTOCOL, which kafkajs
 * does not retry: a crash during the first join (what a cold broker's missing group coordinator
 * also causes). release() leaves the group, and the others can join.
 */
export async function holdGroup(kafka: Kafka, groupId: string, topics: string[]): Promise<{ release(): Promise<void> }> {
  const holder = kafka.consumer({
    groupId,
    partitionAssigners: [(config) => ({ ...PartitionAssigners.roundRobin(config), name: 'EcoTrackTestGroupHolder' })],
  });
  let joined!: () => void;
  const inGroup = new Promise<void>((resolve) => (joined = resolve));
  holder.on(holder.events.GROUP_JOIN, () => joined());
  await holder.connect();
  await holder.subscribe({ topics });
  // Never commits: the group's offsets stay where its real members left them.
  await holder.run({ autoCommit: false, eachMessage: async () => undefined });
  await inGroup;
  return { release: () => holder.disconnect() };
}
