import { Controller, Get, Param, Query } from '@nestjs/common';
import { Public, uuidParam } from '@ecotrack/platform';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CatalogService } from './catalog.service';
import { BatchProductsQuery, ListProductsQuery, ProductBatchDto, ProductDto, ProductPageDto } from './dto/product.dto';

/** Catalog reads are open to everyone, signed in or not. */
@Public()
@ApiTags('catalog')
@Controller('v1/products')
export class CatalogController {
  constructor(private readonly catalog: CatalogService) {}

  @Get()
  @ApiOperation({ summary: 'Page through the catalog by name' })
  @ApiOkResponse({ type: ProductPageDto })
  @ApiBadRequestResponse({ description: 'Unknown or invalid parameter (problem+json naming it)' })
  list(@Query() query: ListProductsQuery): Promise<ProductPageDto> {
    return this.catalog.list(query);
  }

  /** order-service prices baskets from this response (id, name, priceCents, currency, carbonKgCo2e). */
  @Get('batch')
  @ApiOperation({ summary: 'Several products at once (served from the cache where possible); unknown ids are listed, not an error' })
  @ApiOkResponse({ type: ProductBatchDto })
  @ApiBadRequestResponse({ description: 'No ids, more than 100, or one that is not a UUID (problem+json naming ids)' })
  getMany(@Query() query: BatchProductsQuery): Promise<ProductBatchDto> {
    return this.catalog.getMany(query.ids);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One product with its price (cents) and carbon footprint; served from the cache when possible' })
  @ApiOkResponse({ type: ProductDto })
  @ApiBadRequestResponse({ description: 'id is not a UUID (problem+json)' })
  @ApiNotFoundResponse({ description: 'No such product (problem+json)' })
  get(@Param('id', uuidParam('id')) id: string): Promise<ProductDto> {
    return this.catalog.get(id);
  }
}
