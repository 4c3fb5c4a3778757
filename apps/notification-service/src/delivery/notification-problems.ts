import { HttpException, ServiceUnavailableException } from '@nestjs/common';
import { problem, PROBLEM_CONTENT_TYPE, type Problem } from '@ecotrack/platform';
import { ChannelUnavailableError } from '../channels/channel';

/** The HTTP face of delivery outcomes that are not a notification row. */
export function toHttpProblem(error: unknown): HttpException | unknown {
  if (error instanceof ChannelUnavailableError) {
    return new ServiceUnavailableException(
      problem(503, { type: 'urn:ecotrack:problem:channel-unavailable', title: 'Notification channel unavailable', detail: error.message, channel: error.channel }),
    );
  }
  return error;
}

/** OpenAPI: an error response documented as what it is, application/problem+json, with an example body. */
export function problemResponse(description: string, example: Partial<Problem> & { status: number }) {
  return {
    description,
    content: { [PROBLEM_CONTENT_TYPE]: { schema: { type: 'object' as const, additionalProperties: true }, example: problem(example.status, example) } },
  };
}
