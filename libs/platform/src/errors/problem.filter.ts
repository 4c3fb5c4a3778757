import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { mappedProblem } from '@ecotrack/core';
import { problem, PROBLEM_CONTENT_TYPE, ProblemType, type Problem } from './problem';

const logger = new Logger('Problem');

/** Fastify's own request errors (body parsing, size, media type) carry a 4xx statusCode and a code. */
interface FrameworkError {
  statusCode?: number;
  code?: string;
  message?: string;
}

/**
 * Turns any thrown value into an RFC 9457 problem. 4xx keep their message; 5xx
 * never leak internals to the client (the log has the details).
 */
export function toProblem(error: unknown, instance?: string): Problem {
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    if (typeof response === 'object' && response !== null && 'type' in response && 'title' in response) {
      return { ...(response as Problem), status, instance };
    }
    const message = typeof response === 'string' ? response : (response as { message?: unknown }).message;
    return problem(status, { detail: Array.isArray(message) ? message.join('; ') : String(message ?? error.message), instance });
  }
  const framework = error as FrameworkError;
  if (typeof framework?.statusCode === 'number' && framework.statusCode >= 400 && framework.statusCode < 500) {
    const malformed = framework.code?.startsWith('FST_ERR_CTP') && framework.statusCode === 400;
    return problem(framework.statusCode, {
      ...(malformed ? { type: ProblemType.malformedBody, title: 'Malformed request body' } : {}),
      detail: framework.message,
      instance,
    });
  }
  // A lib's own errors (e.g. an OpenBao outage: 503), as the lib registered them (mapErrorsToProblems).
  const mapped = mappedProblem(error);
  if (mapped) return problem(mapped.status, { ...mapped, instance });
  return problem(500, { detail: 'An unexpected error occurred; it has been logged.', instance });
}

export function sendProblem(reply: FastifyReply, body: Problem): void {
  void reply.status(body.status).header('content-type', PROBLEM_CONTENT_TYPE).send(body);
}

/** Global Nest filter: every error leaving a handler becomes problem+json. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const body = toProblem(error, request.url);
    if (body.status >= 500) logger.error({ err: error, path: request.url }, 'unhandled error');
    sendProblem(http.getResponse<FastifyReply>(), body);
  }
}
