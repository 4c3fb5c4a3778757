import { BadRequestException, Body, Controller, ForbiddenException, Headers, HttpCode, Inject, NotFoundException, Post, Query } from '@nestjs/common';
import { APP_CONFIG } from '@ecotrack/core';
import { problem, Public } from '@ecotrack/platform';
import { ApiBadRequestResponse, ApiExcludeController } from '@nestjs/swagger';
import { isUUID } from 'class-validator';
import type { NotificationConfig } from '../../config';
import { NotificationsService } from '../../notifications/notifications.service';
import { twilioOutcome } from './twilio-outcome';
import { isValidTwilioSignature } from './twilio-signature';
import { statusCallbackUrl } from './twilio-sms.sender';

/**
 * Twilio's StatusCallback for SMS: a form post signed with the account's auth token over the
 * exact callback URL we gave Twilio (which names the notification). Unsigned or mis-signed
 * posts are refused (403); a signed post for an unknown or finished notification is a no-op (204).
 */
@Public()
@ApiExcludeController()
@Controller('v1/notifications/webhooks/twilio')
export class TwilioStatusController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: NotificationConfig,
    private readonly notifications: NotificationsService,
  ) {}

  @Post()
  @HttpCode(204)
  @ApiBadRequestResponse({ description: 'No notificationId, MessageSid or MessageStatus' })
  async status(
    @Query('notificationId') notificationId: string | undefined,
    @Headers('x-twilio-signature') signature: string | undefined,
    @Body() body: Record<string, string> | undefined,
  ): Promise<void> {
    const { TWILIO_AUTH_TOKEN: authToken, TWILIO_STATUS_CALLBACK_URL: callbackUrl } = this.config;
    if (!authToken || !callbackUrl) {
      throw new NotFoundException(problem(404, { type: 'urn:ecotrack:problem:channel-unavailable', title: 'Twilio status callbacks are not configured' }));
    }
    const params = body && typeof body === 'object' ? body : {};
    if (!notificationId || !isUUID(notificationId) || typeof params.MessageSid !== 'string' || typeof params.MessageStatus !== 'string') {
      throw new BadRequestException('a Twilio status callback names notificationId (query), MessageSid and MessageStatus');
    }
    if (!isValidTwilioSignature(authToken, signature, statusCallbackUrl(callbackUrl, notificationId), params)) {
      throw new ForbiddenException('invalid X-Twilio-Signature');
    }
    const outcome = twilioOutcome(params.MessageStatus, params.ErrorCode);
    if (outcome) await this.notifications.recordOutcome({ id: notificationId, provider: 'twilio', providerMessageId: params.MessageSid }, outcome);
  }
}
