import { Controller, Get, Param, Query } from '@nestjs/common';
import { uuidParam } from '@ecotrack/platform';
import { ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CatalogService } from './catalog.service';
import { ListProductsQuery, ProductDto, ProductPageDto } from './dto/product.dto';

@ApiTags('catalog')
@Controller('v1/products')
export class CatalogController {
  constructor(private readonly catalog: CatalogService) {}

  @Get()
  @ApiOkResponse({ type: ProductPageDto })
  list(@Query() query: ListProductsQuery): Promise<ProductPageDto> {
    return this.catalog.list(query);
  }

  @Get(':id')
  @ApiOkResponse({ type: ProductDto })
  @ApiNotFoundResponse({ description: 'No such product (problem+json)' })
  get(@Param('id', uuidParam('id')) id: string): Promise<ProductDto> {
    return this.catalog.get(id);
  }
}
