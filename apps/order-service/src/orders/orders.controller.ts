import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { CurrentUser, uuidParam, type AuthenticatedUser } from '@ecotrack/platform';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiAcceptedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CreateOrderDto, ListOrdersQuery, OrderDto, OrderPageDto } from './dto/order.dto';
import { IDEMPOTENCY_KEY_HEADER, IdempotencyKey } from './idempotency-key';
import { OrdersService } from './orders.service';

export const REPLAYED_HEADER = 'Idempotent-Replayed';

/** Every route needs a verified token (AuthModule's global guard); the customer is the token's subject. */
@ApiBearerAuth()
@ApiTags('orders')
@ApiUnauthorizedResponse({ description: 'No valid bearer token (problem+json)' })
@Controller('v1/orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  /**
   * 202 Accepted + Location: the order is PENDING until its saga confirms or rejects it (poll the
   * Location). A repeat with the same key and body answers like the first time (202, the order
   * as it is now) plus `Idempotent-Replayed: true`.
   */
  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: 'Place an order, priced by product-service; idempotent per customer and Idempotency-Key' })
  @ApiHeader({
    name: IDEMPOTENCY_KEY_HEADER,
    required: true,
    description: '1 to 128 visible ASCII characters, unique per order attempt (a UUID is a good choice). Repeating it with the same body returns the same order.',
    example: '5d0f7c1e-8a4b-4e6f-9c2d-1a3b5c7d9e0f',
  })
  @ApiBody({
    type: CreateOrderDto,
    examples: {
      basket: {
        value: { items: [{ productId: '6f1c2b8e-2d4a-4c1e-9a43-3f6f0c9b8a11', quantity: 2 }], payment: { provider: 'stripe', paymentMethodToken: 'pm_card_visa' } },
      },
    },
  })
  @ApiAcceptedResponse({
    type: OrderDto,
    description: `Order accepted (PENDING; its saga reserves stock and takes the payment, then CONFIRMED or REJECTED), or the same order again when the key was used before with the same body (then with \`${REPLAYED_HEADER}: true\`)`,
    headers: {
      Location: { description: 'The order: /v1/orders/{id}', schema: { type: 'string', example: '/v1/orders/b3f7a4de-5c1e-4f0a-9d2b-7e8c1a2b3c4d' } },
      [REPLAYED_HEADER]: { description: 'Present (true) when this answer replays an earlier request', schema: { type: 'string', example: 'true' } },
    },
  })
  @ApiBadRequestResponse({ description: 'Missing or invalid Idempotency-Key, invalid basket, unknown field, malformed JSON (problem+json naming the field)' })
  @ApiConflictResponse({ description: 'The Idempotency-Key was used with a different body (problem+json)' })
  @ApiPayloadTooLargeResponse({ description: 'Body over the size limit (problem+json)' })
  @ApiUnprocessableEntityResponse({ description: 'Unknown product or mixed currencies (problem+json)' })
  @ApiServiceUnavailableResponse({ description: 'product-service unreachable; nothing was written, retry with the same key (problem+json)' })
  async place(
    @IdempotencyKey() key: string,
    @Body() request: CreateOrderDto,
    @CurrentUser() user: AuthenticatedUser,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OrderDto> {
    const { order, replayed } = await this.orders.place(user.id, key, request);
    void reply.header('location', `/v1/orders/${order.id}`);
    if (replayed) void reply.header(REPLAYED_HEADER.toLowerCase(), 'true');
    return order;
  }

  @Get()
  @ApiOperation({ summary: "The caller's orders, newest first" })
  @ApiOkResponse({ type: OrderPageDto })
  @ApiBadRequestResponse({ description: 'Invalid paging parameter (problem+json naming it)' })
  list(@Query() query: ListOrdersQuery, @CurrentUser() user: AuthenticatedUser): Promise<OrderPageDto> {
    return this.orders.listMine(user.id, query);
  }

  @Get(':id')
  @ApiOperation({ summary: "One order: the owner's, or any for an admin" })
  @ApiOkResponse({ type: OrderDto })
  @ApiBadRequestResponse({ description: 'id is not a UUID (problem+json)' })
  @ApiNotFoundResponse({ description: "No such order, or another customer's (problem+json)" })
  get(@Param('id', uuidParam('id')) id: string, @CurrentUser() user: AuthenticatedUser): Promise<OrderDto> {
    return this.orders.get(id, user);
  }

  @Post(':id/cancel')
  @HttpCode(202)
  @ApiOperation({ summary: 'Cancel a CONFIRMED order (owner only): the payment is refunded and the units restocked' })
  @ApiAcceptedResponse({ type: OrderDto, description: 'The order, now CANCELLING; it becomes CANCELLED once refunded and restocked' })
  @ApiBadRequestResponse({ description: 'id is not a UUID (problem+json)' })
  @ApiNotFoundResponse({ description: "No such order, or another customer's (problem+json)" })
  @ApiConflictResponse({ description: 'The order is PENDING (still being processed), REJECTED or already cancelled (problem+json naming its state)' })
  cancel(@Param('id', uuidParam('id')) id: string, @CurrentUser() user: AuthenticatedUser): Promise<OrderDto> {
    return this.orders.cancel(id, user);
  }
}
