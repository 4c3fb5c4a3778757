import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { Public } from '@ecotrack/platform';
import { ApiBadRequestResponse, ApiOkResponse, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { CreateQuoteDto, QuoteDto } from './dto/quote.dto';
import { QuotesService } from './quotes.service';

/** Pricing a basket needs no account: quotes stay open to everyone. */
@Public()
@ApiTags('quotes')
@Controller('v1/quotes')
export class QuotesController {
  constructor(private readonly quotes: QuotesService) {}

  /** Prices a basket (no order is written): totals and carbon footprint. */
  @Post()
  @HttpCode(200)
  @ApiOkResponse({ type: QuoteDto })
  @ApiBadRequestResponse({ description: 'Invalid basket (problem+json naming the field)' })
  @ApiUnprocessableEntityResponse({ description: 'Unknown product or mixed currencies (problem+json)' })
  create(@Body() request: CreateQuoteDto): Promise<QuoteDto> {
    return this.quotes.quote(request);
  }
}
