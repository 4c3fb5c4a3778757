import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { CurrentUser, Public, uuidParam, type AuthenticatedUser } from '@ecotrack/platform';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ChannelSenders } from '../providers/channels.module';
import { problemResponse, toHttpProblem } from '../notifications/notification-problems';
import { CreatePushSubscriptionDto, PushSubscriptionDto, VapidPublicKeyDto } from './push-subscription.dto';
import { ENDPOINT_TAKEN_DETAIL, ENDPOINT_TAKEN_PROBLEM_TYPE, PushSubscriptionsService } from './push-subscriptions.service';

/** The caller's browsers for Web Push, and the key browsers subscribe with. */
@ApiTags('push')
@Controller('v1/notifications')
export class PushSubscriptionsController {
  constructor(
    private readonly subscriptions: PushSubscriptionsService,
    private readonly senders: ChannelSenders,
  ) {}

  @Get('push/vapid-public-key')
  @Public()
  @ApiOperation({ summary: "The VAPID application server key for pushManager.subscribe({ applicationServerKey })" })
  @ApiOkResponse({ type: VapidPublicKeyDto })
  @ApiNotFoundResponse(
    problemResponse('Web Push is not configured in this deployment (no VAPID keys)', {
      status: 404,
      type: 'urn:ecotrack:problem:channel-unavailable',
      title: 'Notification channel not offered',
      detail: 'notification channel push is not configured',
      channel: 'push',
    }),
  )
  vapidPublicKey(): VapidPublicKeyDto {
    try {
      return { publicKey: this.senders.push().publicKey };
    } catch (error) {
      throw toHttpProblem(error, 404);
    }
  }

  @Post('push-subscriptions')
  @ApiBearerAuth()
  @ApiOperation({
    summary: "Register the caller's browser (the body is PushSubscription.toJSON()); the caller's own endpoint again takes the new keys, another user's is refused (409)",
  })
  @ApiCreatedResponse({ type: PushSubscriptionDto })
  @ApiBadRequestResponse(
    problemResponse('Missing or unknown fields, an endpoint that is not an https URL on a known push service, keys that are not a P-256 point / 16 bytes; nothing written', {
      status: 400,
      type: 'urn:ecotrack:problem:validation-error',
      title: 'Request validation failed',
      detail: 'endpoint: endpoint host push.example.net is not a known push service',
      errors: [{ field: 'endpoint', message: 'endpoint host push.example.net is not a known push service' }],
    }),
  )
  @ApiUnauthorizedResponse({ description: 'No or invalid bearer token (problem+json)' })
  @ApiConflictResponse(
    problemResponse('The endpoint is registered by another user: it does not move (nothing written)', {
      status: 409,
      type: ENDPOINT_TAKEN_PROBLEM_TYPE,
      title: 'Push endpoint registered by another user',
      detail: ENDPOINT_TAKEN_DETAIL,
    }),
  )
  async register(@Body() body: CreatePushSubscriptionDto, @CurrentUser() user: AuthenticatedUser): Promise<PushSubscriptionDto> {
    return PushSubscriptionDto.of(await this.subscriptions.register(user.id, body));
  }

  @Delete('push-subscriptions/:id')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: "Unregister one of the caller's browsers" })
  @ApiParam({ name: 'id', format: 'uuid', description: 'The id POST gave', example: '0b9f6c1e-3f5d-4a37-9a77-2f1d0c7e5b21' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiBadRequestResponse(
    problemResponse('id is not a UUID', {
      status: 400,
      type: 'urn:ecotrack:problem:validation-error',
      title: 'Request validation failed',
      detail: 'id: id must be a UUID',
      errors: [{ field: 'id', message: 'id must be a UUID' }],
    }),
  )
  @ApiNotFoundResponse(problemResponse("No such subscription, or someone else's", { status: 404, detail: 'no such resource' }))
  async remove(@Param('id', uuidParam('id')) id: string, @CurrentUser() user: AuthenticatedUser): Promise<void> {
    await this.subscriptions.remove(user.id, id);
  }
}
