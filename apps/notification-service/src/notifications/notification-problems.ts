import { HttpException } from '@nestjs/common';
import { problem, PROBLEM_CONTENT_TYPE, type Problem } from '@ecotrack/platform';
import { ChannelUnavailableError } from '../providers/channel';

/**
 * The HTTP face of delivery outcomes that are not a notification row. A channel without a
 * provider is not offered by this deployment until an operator configures one: no temporary
 * outage (asking again will not help), so a 4xx: 422 when a request chose it, 404 for a
 * resource it would have (the VAPID key).
 */
export function toHttpProblem(error: unknown, notOffered: 404 | 422 = 422): HttpException | unknown {
  if (error instanceof ChannelUnavailableError) {
    return new HttpException(
      problem(notOffered, { type: 'urn:ecotrack:problem:channel-unavailable', title: 'Notification channel not offered', detail: error.message, channel: error.channel }),
      notOffered,
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
