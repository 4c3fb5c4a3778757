import { QueryFailedError } from 'typeorm';
import { isTransientInfrastructureError } from './transient-errors';

const pgError = (code: string, message = 'boom') => Object.assign(new Error(message), { code });

describe('isTransientInfrastructureError', () => {
  it.each([
    ['connection refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['connection reset', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
    ['server shutting down (57P01)', pgError('57P01', 'terminating connection due to administrator command')],
    ['connection exception class 08', pgError('08006')],
    ['too many connections', pgError('53300')],
    ['pool could not connect', new Error('timeout exceeded when trying to connect')],
    ['connection dropped mid-query', new Error('Connection terminated unexpectedly')],
    ['wrapped by TypeORM', new QueryFailedError('SELECT 1', [], pgError('57P03'))],
    ['wrapped as a cause', new Error('handler failed', { cause: pgError('08001') })],
  ])('%s: wait it out, do not count an attempt', (_name, error) => {
    expect(isTransientInfrastructureError(error)).toBe(true);
  });

  it.each([
    ['unique violation', new QueryFailedError('INSERT', [], pgError('23505'))],
    ['a bug in the handler', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a business refusal', new Error('reservation exists with other items')],
    ['not an error at all', 'ECONNREFUSED'],
    ['nothing', undefined],
  ])('%s: counts as a failed attempt', (_name, error) => {
    expect(isTransientInfrastructureError(error)).toBe(false);
  });
});
