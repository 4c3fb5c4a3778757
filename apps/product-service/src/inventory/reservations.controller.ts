import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { Roles, uuidParam } from '@ecotrack/platform';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { CreateReservationDto, ReservationDto } from './dto/reservation.dto';
import { InventoryService } from './inventory.service';
import { asHttp, reservationOrThrow } from './reservation-problems';

/**
 * The order saga drives reservations over Kafka (inventory-commands.ts); this is the same
 * InventoryService over HTTP, for operators only.
 */
@Roles('admin')
@ApiBearerAuth()
@ApiTags('inventory')
@Controller('v1/reservations')
export class ReservationsController {
  constructor(private readonly inventory: InventoryService) {}

  @Post()
  @ApiOperation({ summary: 'Reserve stock for every item, or for none; idempotent by reservationId' })
  @ApiCreatedResponse({ type: ReservationDto, description: 'Reserved (or the same reservation, when the id was used before with the same items)' })
  @ApiBadRequestResponse({ description: 'Invalid request (problem+json naming the field)' })
  @ApiConflictResponse({
    description:
      'An item is out of stock (problem+json with productId), the id was used with other items, or the order saga had this id refused (a refused saga reservation stays refused)',
  })
  @ApiUnprocessableEntityResponse({ description: 'Unknown product (problem+json with productIds)' })
  reserve(@Body() request: CreateReservationDto): Promise<ReservationDto> {
    return asHttp(this.inventory.reserve({ reservationId: request.reservationId, items: request.items }).then(reservationOrThrow));
  }

  @Post(':id/confirm')
  @HttpCode(200)
  @ApiOperation({ summary: 'Confirm a reservation: the units are sold (idempotent)' })
  @ApiOkResponse({ type: ReservationDto })
  @ApiNotFoundResponse({ description: 'No such reservation (problem+json)' })
  @ApiConflictResponse({ description: 'The reservation was released or returned (problem+json)' })
  confirm(@Param('id', uuidParam('id')) id: string): Promise<ReservationDto> {
    return asHttp(this.inventory.confirm(id));
  }

  @Post(':id/release')
  @HttpCode(200)
  @ApiOperation({ summary: 'Release a reservation: the units are available again (idempotent)' })
  @ApiOkResponse({ type: ReservationDto })
  @ApiNotFoundResponse({ description: 'No such reservation (problem+json)' })
  @ApiConflictResponse({ description: 'The reservation is confirmed (sold) or returned and cannot be released (problem+json)' })
  release(@Param('id', uuidParam('id')) id: string): Promise<ReservationDto> {
    // Without closeUnknown an unknown id is a 404, never null.
    return asHttp(this.inventory.release(id).then((reservation) => reservation!));
  }

  @Post(':id/restock')
  @HttpCode(200)
  @ApiOperation({ summary: 'Restock a confirmed reservation (its order was cancelled): the sold units are available again (idempotent)' })
  @ApiOkResponse({ type: ReservationDto })
  @ApiNotFoundResponse({ description: 'No such reservation (problem+json)' })
  @ApiConflictResponse({ description: 'The reservation is not confirmed (problem+json)' })
  restock(@Param('id', uuidParam('id')) id: string): Promise<ReservationDto> {
    return asHttp(this.inventory.restock(id));
  }

  @Get(':id')
  @ApiOkResponse({ type: ReservationDto })
  @ApiNotFoundResponse({ description: 'No such reservation (problem+json)' })
  get(@Param('id', uuidParam('id')) id: string): Promise<ReservationDto> {
    return asHttp(this.inventory.get(id));
  }
}
