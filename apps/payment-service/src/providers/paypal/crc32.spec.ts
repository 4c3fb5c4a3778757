import { randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';
import { crc32, crc32Table } from './crc32';

// Published CRC-32 (IEEE) check values.
const VECTORS: [string, number][] = [
  ['', 0],
  ['a', 0xe8b7be43],
  ['123456789', 0xcbf43926],
  ['The quick brown fox jumps over the lazy dog', 0x414fa339],
];

describe('crc32', () => {
  it.each(VECTORS)('%j → %i with the table implementation and with the one in use', (input, expected) => {
    expect(crc32Table(Buffer.from(input))).toBe(expected);
    expect(crc32(Buffer.from(input))).toBe(expected);
  });

  it('is unsigned (PayPal signs the decimal of the unsigned value)', () => {
    // 0xcbf43926 has the top bit set: a signed int32 would print as negative.
    expect(crc32(Buffer.from('123456789'))).toBe(3421780262);
  });

  it('the table agrees with zlib.crc32 (present on this Node) on random data of many lengths', () => {
    const native = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
    expect(typeof native).toBe('function');
    for (const length of [1, 7, 64, 1000, 65_537]) {
      const data = randomBytes(length);
      expect(crc32Table(data)).toBe(native!(data) >>> 0);
    }
  });
});
