import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { assertOwner, CurrentUser, PageQuery, Roles, uuidParam, type AuthenticatedUser } from '@ecotrack/platform';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiUnprocessableEntityResponse,
  ApiTags,
} from '@nestjs/swagger';
import { CreateNotificationDto } from './dto/create-notification.dto';
import { NotificationDto, NotificationPageDto } from './dto/notification.dto';
import { toHttpProblem } from './notification-problems';
import { NotificationsService } from './notifications.service';

/**
 * Notifications over HTTP. Sending is admin only for now: in the order flow the service
 * sends on events from Kafka. Reading is for the recipient (or an admin).
 */
@ApiTags('notifications')
@ApiBearerAuth()
@Controller('v1/notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Post()
  @Roles('admin')
  @ApiCreatedResponse({
    type: NotificationDto,
    description: "Recorded and handed to the provider (push: to each of the user's subscribed browsers): sent, queued for a retry, or failed with a reason (opted-out, provider refusal)",
  })
  @ApiBadRequestResponse({ description: 'Invalid body, template data or recipient (problem+json); nothing written' })
  @ApiUnprocessableEntityResponse({ description: 'The channel has no provider configured in this deployment (problem+json, type urn:ecotrack:problem:channel-unavailable); nothing written' })
  async create(@Body() request: CreateNotificationDto): Promise<NotificationDto> {
    try {
      return NotificationDto.of(await this.notifications.send(request));
    } catch (error) {
      throw toHttpProblem(error);
    }
  }

  @Get()
  @ApiOkResponse({ type: NotificationPageDto, description: "The caller's own notifications, newest first" })
  async list(@Query() query: PageQuery, @CurrentUser() user: AuthenticatedUser): Promise<NotificationPageDto> {
    const items = await this.notifications.list(user.id, query.limit, query.offset);
    return { items: items.map((n) => NotificationDto.of(n)), limit: query.limit, offset: query.offset };
  }

  @Get(':id')
  @ApiOkResponse({ type: NotificationDto })
  @ApiNotFoundResponse({ description: "No such notification, or someone else's (problem+json)" })
  async get(@Param('id', uuidParam('id')) id: string, @CurrentUser() user: AuthenticatedUser): Promise<NotificationDto> {
    const notification = await this.notifications.get(id);
    assertOwner(notification.userId, user, { allowRoles: ['admin'] });
    return NotificationDto.of(notification);
  }
}
