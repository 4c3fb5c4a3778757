import pino from 'pino';
import { Writable } from 'node:stream';
import { pinoOptions } from './logging';

function capture(): { lines: Record<string, unknown>[]; stream: Writable } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { lines, stream };
}

describe('service logger', () => {
  it('writes JSON with the service name and redacts secrets and personal fields', () => {
    const { lines, stream } = capture();
    const logger = pino(pinoOptions('user-service', 'info'), stream);
    logger.info(
      {
        req: { headers: { authorization: 'Bearer eyJhbGciOi', cookie: 'sid=abc', 'user-agent': 'k6' } },
        body: { email: 'ada@example.org', password: 'hunter2', displayName: 'Ada Lovelace' },
        token: 'tok_123',
      },
      'registered',
    );
    const [line] = lines;
    expect(line).toMatchObject({ level: 'info', service: 'user-service', msg: 'registered' });
    const text = JSON.stringify(line);
    for (const secret of ['eyJhbGciOi', 'sid=abc', 'ada@example.org', 'hunter2', 'Ada Lovelace', 'tok_123']) expect(text).not.toContain(secret);
    expect(text).toContain('k6'); // not everything is redacted
  });
});
