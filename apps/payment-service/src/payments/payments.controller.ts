import { Body, Controller, Get, HttpCode, Param, Post, UseInterceptors } from '@nestjs/common';
import { Roles, uuidParam } from '@ecotrack/platform';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { RejectCardData } from './card-data';
import { CreatePaymentDto } from './dto/create-payment.dto';
import { PaymentDto } from './dto/payment.dto';
import { toHttpProblem } from './payment-problems';
import type { PaymentOperation } from './payment.errors';
import { PaymentsService } from './payments.service';

const NO_SUCH_PAYMENT = { description: 'No such payment (problem+json)' };
const PROVIDER_DECLINED = { status: 402, description: 'The provider declined (problem+json, type urn:ecotrack:problem:payment-declined); nothing changed' };
const PROVIDER_TIMED_OUT = { description: 'The provider did not answer in time, or the token could not be checked (problem+json); nothing changed' };

/**
 * Payments over HTTP. Admin only: in the order flow the saga drives payments over
 * Kafka (payment.commands), and this API is for operators and tests.
 */
@Roles('admin')
@ApiTags('payments')
@ApiBearerAuth()
@Controller('v1/payments')
export class PaymentsController {
  constructor(private readonly payments: PaymentsService) {}

  @Post()
  @UseInterceptors(RejectCardData)
  @ApiCreatedResponse({ type: PaymentDto, description: 'Authorized at the provider' })
  @ApiBadRequestResponse({ description: 'Invalid body, or card data in it (problem+json naming the field)' })
  @ApiResponse(PROVIDER_DECLINED)
  @ApiUnprocessableEntityResponse({ description: 'The provider is not configured in this deployment (problem+json, type urn:ecotrack:problem:provider-unavailable)' })
  @ApiServiceUnavailableResponse(PROVIDER_TIMED_OUT)
  async authorize(@Body() request: CreatePaymentDto): Promise<PaymentDto> {
    return PaymentDto.of(await this.run(() => this.payments.authorize(request)));
  }

  @Get(':id')
  @ApiOkResponse({ type: PaymentDto })
  @ApiNotFoundResponse(NO_SUCH_PAYMENT)
  async get(@Param('id', uuidParam('id')) id: string): Promise<PaymentDto> {
    return PaymentDto.of(await this.run(() => this.payments.get(id)));
  }

  @Post(':id/capture')
  @HttpCode(200)
  @ApiOkResponse({ type: PaymentDto })
  @ApiNotFoundResponse(NO_SUCH_PAYMENT)
  @ApiConflictResponse({ description: 'Not AUTHORIZED (problem+json)' })
  @ApiResponse(PROVIDER_DECLINED)
  @ApiServiceUnavailableResponse(PROVIDER_TIMED_OUT)
  capture(@Param('id', uuidParam('id')) id: string): Promise<PaymentDto> {
    return this.transition(id, 'capture');
  }

  @Post(':id/void')
  @HttpCode(200)
  @ApiOkResponse({ type: PaymentDto })
  @ApiNotFoundResponse(NO_SUCH_PAYMENT)
  @ApiConflictResponse({ description: 'Not AUTHORIZED (problem+json)' })
  @ApiResponse(PROVIDER_DECLINED)
  @ApiServiceUnavailableResponse(PROVIDER_TIMED_OUT)
  void(@Param('id', uuidParam('id')) id: string): Promise<PaymentDto> {
    return this.transition(id, 'void');
  }

  @Post(':id/refund')
  @HttpCode(200)
  @ApiOkResponse({ type: PaymentDto })
  @ApiNotFoundResponse(NO_SUCH_PAYMENT)
  @ApiConflictResponse({ description: 'Not CAPTURED (problem+json)' })
  @ApiResponse(PROVIDER_DECLINED)
  @ApiServiceUnavailableResponse(PROVIDER_TIMED_OUT)
  refund(@Param('id', uuidParam('id')) id: string): Promise<PaymentDto> {
    return this.transition(id, 'refund');
  }

  private async transition(id: string, operation: PaymentOperation): Promise<PaymentDto> {
    return PaymentDto.of(await this.run(() => this.payments.transition(id, operation)));
  }

  private async run<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw toHttpProblem(error);
    }
  }
}
