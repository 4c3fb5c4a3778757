import { Body, Controller, Delete, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { Roles, uuidParam } from '@ecotrack/platform';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { CatalogAdminService } from './catalog-admin.service';
import { ProductDto } from './dto/product.dto';
import { CreateProductDto, UpdateProductDto } from './dto/write-product.dto';

/**
 * Catalog administration, kept apart from the public reads so one guard covers
 * all of it once the platform's JWT guard exists.
 */
@Roles('admin')
@ApiTags('catalog admin')
@ApiBearerAuth()
@Controller('v1/products')
export class AdminCatalogController {
  constructor(private readonly admin: CatalogAdminService) {}

  @Post()
  @ApiCreatedResponse({ type: ProductDto })
  @ApiBadRequestResponse({ description: 'Invalid product (problem+json naming the field)' })
  @ApiConflictResponse({ description: 'The SKU exists already (problem+json)' })
  @ApiUnprocessableEntityResponse({ description: 'Unknown category (problem+json)' })
  @ApiPayloadTooLargeResponse({ description: 'Body over HTTP_BODY_LIMIT_BYTES (problem+json)' })
  create(@Body() request: CreateProductDto): Promise<ProductDto> {
    return this.admin.create(request);
  }

  @Patch(':id')
  @ApiOkResponse({ type: ProductDto })
  @ApiBadRequestResponse({ description: 'Invalid change, e.g. a price that is not whole cents (problem+json)' })
  @ApiNotFoundResponse({ description: 'No such product (problem+json)' })
  @ApiConflictResponse({ description: 'Another product has the new SKU (problem+json)' })
  @ApiUnprocessableEntityResponse({ description: 'Unknown category (problem+json)' })
  update(@Param('id', uuidParam('id')) id: string, @Body() changes: UpdateProductDto): Promise<ProductDto> {
    return this.admin.update(id, changes);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ description: 'No such product (problem+json)' })
  @ApiConflictResponse({ description: 'The product has stock reservations (problem+json)' })
  remove(@Param('id', uuidParam('id')) id: string): Promise<void> {
    return this.admin.remove(id);
  }
}
