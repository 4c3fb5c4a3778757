import { Controller, Headers, HttpCode, Inject, NotFoundException, Post, Req, type RawBodyRequest } from '@nestjs/common';
import { APP_CONFIG } from '@ecotrack/core';
import { problem, Public, ValidationProblemException } from '@ecotrack/platform';
import { ApiBadRequestResponse, ApiBody, ApiHeader, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { NotificationConfig } from '../../config';
import { problemResponse } from '../../notifications/notification-problems';
import { SendGridEventsService } from './sendgrid-events.service';
import { SENDGRID_SIGNATURE_HEADER, SENDGRID_TIMESTAMP_HEADER, SendGridSignatureVerifier } from './sendgrid-signature';

class SendGridIngestResultDto {
  @ApiProperty({ description: 'Outcome events (delivered, bounce, dropped) for our SendGrid notifications, recorded now', example: 1 }) recorded: number;
  @ApiProperty({ description: 'Events recorded before (same sg_event_id): no second effect', example: 0 }) duplicates: number;
  @ApiProperty({ description: 'processed, deferred, engagement events, or events not about one of our notifications', example: 1 }) ignored: number;
}

const EXAMPLE_EVENTS = [
  {
    email: 'ada@example.com',
    timestamp: 1764158400,
    event: 'processed',
    sg_event_id: 'cHJvY2Vzc2VkLTQ5NjQ3MDYzLVdGSmZpSXdCUWF1eVlTNS1Cbm1XSXctMA',
    sg_message_id: 'WFJfiIwBQauyYS5-BnmWIw.recvd-5b7b9d7c9b-abcde-1-6745B8C0-1.0',
    notification_id: '6f1c2a9e-8a3b-4c1d-9e0f-123456789abc',
  },
  {
    email: 'ada@example.com',
    timestamp: 1764158402,
    event: 'delivered',
    response: '250 2.0.0 OK',
    sg_event_id: 'ZGVsaXZlcmVkLTAtNDk2NDcwNjMtV0ZKZmlJd0JRYXV5WVM1LUJubVdJdy0w',
    sg_message_id: 'WFJfiIwBQauyYS5-BnmWIw.recvd-5b7b9d7c9b-abcde-1-6745B8C0-1.0',
    notification_id: '6f1c2a9e-8a3b-4c1d-9e0f-123456789abc',
  },
];

/**
 * SendGrid's signed Event Webhook: each post is a JSON array of events, signed (ECDSA P-256)
 * over the timestamp header and the exact bytes of the body. Verified before anything is read;
 * a timestamp further than WEBHOOK_TOLERANCE_SECONDS from now is refused, so a captured post
 * cannot be replayed later. Our notification id rides in each event's `notification_id`.
 */
@Public()
@ApiTags('notification-webhooks')
@Controller('v1/notifications/webhooks/sendgrid')
export class SendGridEventsController {
  private readonly verifier?: SendGridSignatureVerifier;

  constructor(
    @Inject(APP_CONFIG) private readonly config: NotificationConfig,
    private readonly events: SendGridEventsService,
  ) {
    if (config.SENDGRID_WEBHOOK_PUBLIC_KEY) this.verifier = new SendGridSignatureVerifier(config.SENDGRID_WEBHOOK_PUBLIC_KEY);
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: "SendGrid's signed Event Webhook: delivered → delivered, bounce/dropped → failed; repeats (same sg_event_id) have no second effect" })
  @ApiHeader({ name: SENDGRID_SIGNATURE_HEADER, required: true, description: 'base64 DER ECDSA signature of timestamp + raw body' })
  @ApiHeader({ name: SENDGRID_TIMESTAMP_HEADER, required: true, description: 'Unix seconds; within WEBHOOK_TOLERANCE_SECONDS of now' })
  @ApiBody({ description: 'SendGrid events, as SendGrid posts them', schema: { type: 'array', items: { type: 'object', additionalProperties: true }, example: EXAMPLE_EVENTS } })
  @ApiOkResponse({ type: SendGridIngestResultDto, description: 'Accepted; events about unknown notifications are acknowledged and ignored' })
  @ApiBadRequestResponse(
    problemResponse('Missing or wrong signature, a timestamp out of tolerance, or events without event/sg_event_id (naming the header or field); nothing written', {
      status: 400,
      type: 'urn:ecotrack:problem:validation-error',
      title: 'Request validation failed',
      detail: `${SENDGRID_SIGNATURE_HEADER}: signature does not match the timestamp and body`,
      errors: [{ field: SENDGRID_SIGNATURE_HEADER, message: 'signature does not match the timestamp and body' }],
    }),
  )
  @ApiNotFoundResponse(
    problemResponse('SENDGRID_WEBHOOK_PUBLIC_KEY is not configured: this deployment takes no SendGrid events (SendGrid retries)', {
      status: 404,
      type: 'urn:ecotrack:problem:channel-unavailable',
      title: 'SendGrid event webhook not configured',
      detail: 'SENDGRID_WEBHOOK_PUBLIC_KEY is not set',
    }),
  )
  async receive(
    @Req() request: RawBodyRequest<FastifyRequest>,
    @Headers(SENDGRID_SIGNATURE_HEADER.toLowerCase()) signature: string | undefined,
    @Headers(SENDGRID_TIMESTAMP_HEADER.toLowerCase()) timestamp: string | undefined,
  ): Promise<SendGridIngestResultDto> {
    if (!this.verifier) {
      throw new NotFoundException(
        problem(404, { type: 'urn:ecotrack:problem:channel-unavailable', title: 'SendGrid event webhook not configured', detail: 'SENDGRID_WEBHOOK_PUBLIC_KEY is not set' }),
      );
    }
    if (!signature) throw new ValidationProblemException([{ field: SENDGRID_SIGNATURE_HEADER, message: `${SENDGRID_SIGNATURE_HEADER} header is required` }]);
    if (!timestamp || !/^\d{1,12}$/.test(timestamp)) {
      throw new ValidationProblemException([{ field: SENDGRID_TIMESTAMP_HEADER, message: `${SENDGRID_TIMESTAMP_HEADER} header must be Unix seconds` }]);
    }
    if (Math.abs(Date.now() / 1000 - Number(timestamp)) > this.config.WEBHOOK_TOLERANCE_SECONDS) {
      throw new ValidationProblemException([
        { field: SENDGRID_TIMESTAMP_HEADER, message: `${SENDGRID_TIMESTAMP_HEADER} is more than ${this.config.WEBHOOK_TOLERANCE_SECONDS} s from now (stale or replayed)` },
      ]);
    }
    const raw = request.rawBody;
    if (!raw?.length || !this.verifier.verify(raw, signature, timestamp)) {
      throw new ValidationProblemException([{ field: SENDGRID_SIGNATURE_HEADER, message: 'signature does not match the timestamp and body' }]);
    }
    // The signed bytes, not the framework's parse of them.
    return this.events.ingest(JSON.parse(raw.toString('utf8')) as unknown);
  }
}
