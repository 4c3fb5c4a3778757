import pino from 'pino';
import { DatabaseError } from 'pg';
import { QueryFailedError } from 'typeorm';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loggerModuleParams, pinoOptions, redactFields, serviceLogger } from './logging';

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
  it('redacts bindings of child loggers, and fields an error carries after it is serialized', () => {
    const { lines, stream } = capture();
    const logger = serviceLogger(pinoOptions('user-service', 'info'), stream).child({ email: 'ada@example.org', user: { id: 'u-1', phone: '+33 6 12 34 56 78' } }).child({ token: 't0k3n-abcdef' });
    logger.error({ err: Object.assign(new Error('refused'), { email: 'grace@example.org' }), res: { headers: { 'set-cookie': 'sid=s3cr3t' } } }, 'failed');
    const text = JSON.stringify(lines[0]);
    for (const secret of ['ada@example.org', '+33 6 12 34 56 78', 't0k3n-abcdef', 'grace@example.org', 'sid=s3cr3t']) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({ user: { id: 'u-1', phone: '[Redacted]' }, err: { message: 'refused', email: '[Redacted]' } });
  });

  it('leaves a line without sensitive fields as it is, copying nothing', () => {
    const fields = { req: { id: 'r-1', method: 'GET', url: '/v1/products' }, res: { statusCode: 200 }, responseTime: 3 };
    expect(redactFields(fields)).toBe(fields);
    const withHeaders = { req: { headers: { authorization: 'Bearer x', accept: 'application/json' } } };
    expect(redactFields(withHeaders)).toEqual({ req: { headers: { authorization: '[Redacted]', accept: 'application/json' } } });
    expect(withHeaders.req.headers.authorization).toBe('Bearer x'); // the caller's object is never changed
  });
});

describe('request logging', () => {
  /** The pino options nestjs-pino gets, used on a captured stream. */
  function requestLogger() {
    const { lines, stream } = capture();
    const { pinoHttp } = loggerModuleParams('product-service', 'info', stream);
    const { logger, serializers } = pinoHttp as { logger: pino.Logger; serializers: pino.LoggerOptions['serializers'] };
    return { lines, logger: logger.child({}, { serializers }) };
  }

  it('logs the request id, method and URL and the status, never a header or a body', () => {
    const { lines, logger } = requestLogger();
    const req = { id: 'r-1', method: 'POST', url: '/v1/sessions', headers: { authorization: 'Bearer eyJhbGciOi', cookie: 'sid=abc' }, body: { email: 'ada@example.org' } };
    logger.child({ req }).info({ res: { statusCode: 201, headers: { 'set-cookie': 'sid=new' } }, responseTime: 4 }, 'request completed');
    expect(lines[0]).toMatchObject({ req: { id: 'r-1', method: 'POST', url: '/v1/sessions' }, res: { statusCode: 201 }, msg: 'request completed' });
    expect(Object.keys(lines[0].req as object)).toEqual(['id', 'method', 'url']);
    for (const secret of ['eyJhbGciOi', 'sid=abc', 'ada@example.org', 'sid=new']) expect(JSON.stringify(lines[0])).not.toContain(secret);
  });

  it('writes asynchronously, and every line is out when the process exits', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'logs-')), 'out.log');
    const script = `
      const fs = require('node:fs');
      const pino = require('pino');
      const { logDestination, pinoOptions } = require(${JSON.stringify(path.join(__dirname, 'logging.ts'))});
      const logger = pino(pinoOptions('test-service', 'info'), logDestination(fs.openSync(${JSON.stringify(file)}, 'w')));
      for (let i = 0; i < 5000; i++) logger.info({ i }, 'line');
      process.exit(0);`;
    execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], { cwd: path.join(__dirname, '../../..') });
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(5000);
    expect(JSON.parse(lines[4999])).toMatchObject({ i: 4999, service: 'test-service' });
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
