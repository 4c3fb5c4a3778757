import { NotFoundException } from '@nestjs/common';
import { mapErrorsToProblems } from '@ecotrack/core';
import { toProblem } from './problem.filter';
import { ProblemType } from './problem';
import { ValidationProblemException } from './validation';

describe('toProblem', () => {
  it('maps an HttpException to an RFC 9457 problem with the status title', () => {
    expect(toProblem(new NotFoundException('product 42 does not exist'), '/v1/products/42')).toEqual({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: 'product 42 does not exist',
      instance: '/v1/products/42',
    });
  });

  it('keeps the field list of a validation problem', () => {
    const body = toProblem(new ValidationProblemException([{ field: 'items.0.quantity', message: 'must be an integer' }]));
    expect(body).toMatchObject({
      type: ProblemType.validation,
      status: 400,
      errors: [{ field: 'items.0.quantity', message: 'must be an integer' }],
    });
  });

  it('maps a framework body-parsing error to a 400 malformed-body problem', () => {
    const error = Object.assign(new SyntaxError('Unexpected token } in JSON'), { statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY' });
    expect(toProblem(error)).toMatchObject({ status: 400, type: ProblemType.malformedBody });
  });

  it('keeps other 4xx framework errors (413, 415) with their status', () => {
    expect(toProblem({ statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE', message: 'Request body is too large' })).toMatchObject({
      status: 413,
      title: 'Payload Too Large',
    });
  });

  it('never leaks internals of an unexpected error', () => {
    const body = toProblem(new Error('connection to 10.0.0.5 password=hunter2 failed'));
    expect(body.status).toBe(500);
    expect(JSON.stringify(body)).not.toContain('hunter2');
  });

  it("maps a lib's error as the lib registered it, keeping the status's title and the instance", () => {
    class StoreUnavailable extends Error {}
    mapErrorsToProblems(StoreUnavailable, () => ({ status: 503, detail: 'The store is not available; try again shortly.' }));
    expect(toProblem(new StoreUnavailable('connect ECONNREFUSED 10.0.0.7:8200'), '/v1/things')).toEqual({
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
      detail: 'The store is not available; try again shortly.',
      instance: '/v1/things',
    });
  });
});
