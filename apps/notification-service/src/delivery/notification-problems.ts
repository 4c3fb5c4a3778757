import { HttpException, ServiceUnavailableException } from '@nestjs/common';
import { problem } from '@ecotrack/platform';
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
