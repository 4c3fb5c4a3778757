import { Controller, Get, Param, Query } from '@nestjs/common';
import { Public, uuidParam } from '@ecotrack/platform';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RecommendationsDto, RecommendationsQuery } from './recommendations.dto';
import { RecommendationsService } from './recommendations.service';

/** Catalog reads are open to everyone, signed in or not. */
@Public()
@ApiTags('recommendations')
@Controller('v1/products/:id/recommendations')
export class RecommendationsController {
  constructor(private readonly recommendations: RecommendationsService) {}

  @Get()
  @ApiOperation({ summary: 'Similar products in the same category, and products often bought with this one' })
  @ApiOkResponse({ type: RecommendationsDto })
  @ApiBadRequestResponse({ description: 'id is not a UUID or limit is out of range (problem+json)' })
  @ApiNotFoundResponse({ description: 'No such product (problem+json)' })
  get(@Param('id', uuidParam('id')) id: string, @Query() query: RecommendationsQuery): Promise<RecommendationsDto> {
    return this.recommendations.forProduct(id, query.limit);
  }
}
