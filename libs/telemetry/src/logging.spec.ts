import pino from 'pino';
import { DatabaseError } from 'pg';
import { QueryFailedError } from 'typeorm';
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

describe('logged database errors', () => {
  /** A failed query as node-postgres and TypeORM report it (the message and fields PostgreSQL sends). */
  function queryFailure(message: string, fields: Partial<DatabaseError>, parameters: unknown[]): QueryFailedError {
    const driverError = Object.assign(new DatabaseError(message, 120, 'error'), { severity: 'ERROR', ...fields });
    return new QueryFailedError('INSERT INTO users (email, display_name_ciphertext) VALUES ($1, $2)', parameters, driverError);
  }

  const logged = (error: unknown) => {
    const { lines, stream } = capture();
    pino(pinoOptions('user-service', 'info'), stream).error({ err: error, path: '/v1/users' }, 'unhandled error');
    return lines[0] as { err: Record<string, unknown> };
  };

  it('keep the SQL, the SQLSTATE and the constraint, never the bound values', () => {
    const error = queryFailure('duplicate key value violates unique constraint "users_email_key"', {
      code: '23505',
      constraint: 'users_email_key',
      table: 'users',
      detail: 'Key (email)=(ada@example.org) already exists.',
    }, ['ada@example.org', 'vault:v1:c2VjcmV0IG5hbWU=']);
    const line = logged(error);
    const text = JSON.stringify(line);
    expect(text).not.toContain('ada@example.org');
    expect(text).not.toContain('vault:v1:c2VjcmV0IG5hbWU=');
    expect(line.err).toMatchObject({ type: 'QueryFailedError', code: '23505', constraint: 'users_email_key', table: 'users', query: expect.stringContaining('VALUES ($1, $2)') });
    expect(line.err.message).toBe('duplicate key value violates unique constraint "users_email_key"');
    expect(line.err).not.toHaveProperty('parameters');
    expect(line.err).not.toHaveProperty('detail');
    expect(line.err.driverError).not.toHaveProperty('detail');
  });

  it('take a value out of the message, the stack and the driver error, also inside a JSON parameter', () => {
    const payload = JSON.stringify({ payload: { email: 'grace@example.org', name: 'Grace Hopper' } });
    const error = queryFailure('invalid input syntax for type uuid: "Grace Hopper"', { code: '22P02', where: "unnamed portal parameter $2 = '...'" }, [payload, 7]);
    const text = JSON.stringify(logged(error));
    for (const value of ['Grace Hopper', 'grace@example.org', 'unnamed portal parameter']) expect(text).not.toContain(value);
    expect(text).toContain('invalid input syntax for type uuid: \\"[parameter]\\"');
  });

  it('leave other errors as pino serializes them', () => {
    const line = logged(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
    expect(line.err).toMatchObject({ type: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:5432', code: 'ECONNREFUSED' });
  });
});
