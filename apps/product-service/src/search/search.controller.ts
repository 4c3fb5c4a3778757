import { Public } from '@ecotrack/platform';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SearchPageDto, SearchProductsQuery } from './search-query.dto';
import { SearchService } from './search.service';

/** Catalog reads are open to everyone, signed in or not. */
@Public()
@ApiTags('search')
@Controller('v1/products/search')
export class SearchController {
  constructor(private readonly searchService: SearchService) {}

  @Get()
  @ApiOperation({ summary: 'Full-text product search with filters, sorting and pagination' })
  @ApiOkResponse({ type: SearchPageDto })
  @ApiBadRequestResponse({ description: 'Unknown or invalid parameter (problem+json naming it)' })
  search(@Query() query: SearchProductsQuery): Promise<SearchPageDto> {
    return this.searchService.search(query);
  }
}
