import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { Public, RateLimit, type RouteRateLimit } from '@ecotrack/platform';
import { ApiBadRequestResponse, ApiOkResponse, ApiServiceUnavailableResponse, ApiTags, ApiTooManyRequestsResponse, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { CreateQuoteDto, QuoteDto } from './dto/quote.dto';
import { QuoteMetrics } from './quote-metrics';
import { QuotesService } from './quotes.service';

/**
 * A quote costs a product-service read and needs no account, so it gets a budget of its own
 * per client (the signed-in user, else the client IP), tighter than the service-wide one:
 * a page that re-prices the basket at every change stays well inside it.
 */
export const QUOTE_LIMIT: RouteRateLimit = { perMinute: 60 };

/** Pricing a basket needs no account: quotes stay open to everyone. */
@Public()
@ApiTags('quotes')
@Controller('v1/quotes')
export class QuotesController {
  constructor(
    private readonly quotes: QuotesService,
    private readonly metrics: QuoteMetrics,
  ) {}

  /** Prices a basket (no order is written): totals and carbon footprint. */
  @Post()
  @HttpCode(200)
  @RateLimit(QUOTE_LIMIT)
  @ApiOkResponse({ type: QuoteDto })
  @ApiBadRequestResponse({ description: 'Invalid basket (problem+json naming the field)' })
  @ApiUnprocessableEntityResponse({ description: 'Unknown product or mixed currencies (problem+json)' })
  @ApiTooManyRequestsResponse({ description: 'Too many quotes from this client (user, else IP address) this minute (problem+json, Retry-After)' })
  @ApiServiceUnavailableResponse({ description: 'product-service did not answer (problem+json)' })
  async create(@Body() request: CreateQuoteDto): Promise<QuoteDto> {
    const quote = await this.quotes.quote(request);
    this.metrics.countQuote(quote.currency);
    return quote;
  }
}
