import type { KafkaMessage } from 'kafkajs';
import { handleInKeyLanes } from './key-lanes';

const message = (offset: number, key: string | null): KafkaMessage =>
  ({ offset: String(offset), key: key === null ? null : Buffer.from(key), value: null, timestamp: '0', attributes: 0, headers: {} }) as KafkaMessage;
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('handleInKeyLanes', () => {
  it('keeps each key in offset order while different keys overlap, and is done through the last offset', async () => {
    const batch = [message(0, 'a'), message(1, 'b'), message(2, 'a'), message(3, 'c'), message(4, 'b')];
    const started: string[] = [];
    let running = 0;
    let most = 0;
    const outcome = await handleInKeyLanes(batch, 3, async (m) => {
      started.push(`${m.key}@${m.offset}`);
      most = Math.max(most, ++running);
      await tick();
      running--;
    });
    expect(outcome).toEqual({ doneThrough: '4' });
    expect(most).toBe(3);
    expect(started.filter((s) => s.startsWith('a'))).toEqual(['a@0', 'a@2']);
    expect(started.filter((s) => s.startsWith('b'))).toEqual(['b@1', 'b@4']);
  });

  it('never runs two messages of one key at once, nor more keys than allowed', async () => {
    const batch = Array.from({ length: 12 }, (_, i) => message(i, `k${i % 4}`));
    const busy = new Set<string>();
    let most = 0;
    await handleInKeyLanes(batch, 2, async (m) => {
      const key = m.key!.toString();
      expect(busy.has(key)).toBe(false);
      busy.add(key);
      most = Math.max(most, busy.size);
      await tick();
      busy.delete(key);
    });
    expect(most).toBe(2);
  });

  it('puts messages without a key in one lane', async () => {
    const order: string[] = [];
    await handleInKeyLanes([message(0, null), message(1, null), message(2, null)], 3, async (m) => {
      await tick();
      order.push(m.offset);
    });
    expect(order).toEqual(['0', '1', '2']);
  });

  it('after an error, is done only through the message before the first one not done, and reports the error', async () => {
    const batch = [message(0, 'a'), message(1, 'b'), message(2, 'a'), message(3, 'b')];
    const failure = new Error('dead-letter topic unreachable');
    const outcome = await handleInKeyLanes(batch, 2, async (m) => {
      await tick();
      if (m.offset === '2') throw failure;
    });
    // b@1 and maybe b@3 are done, a@2 is not: committing past 1 would skip it.
    expect(outcome).toEqual({ doneThrough: '1', error: failure });
  });

  it('stops between messages once told to, leaving the rest undone', async () => {
    const batch = [message(0, 'a'), message(1, 'a'), message(2, 'a')];
    let handled = 0;
    const outcome = await handleInKeyLanes(batch, 1, async () => void handled++, () => handled < 1);
    expect(handled).toBe(1);
    expect(outcome).toEqual({ doneThrough: '0' });
  });

  it('is done through nothing when the first message fails', async () => {
    const outcome = await handleInKeyLanes([message(7, 'a'), message(8, 'b')], 2, async (m) => {
      if (m.offset === '7') throw new Error('no');
    });
    expect(outcome.doneThrough).toBeUndefined();
    expect(outcome.error).toEqual(new Error('no'));
  });
});
