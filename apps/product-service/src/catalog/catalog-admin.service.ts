import { ConflictException, Injectable, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { PgError, pgErrorCode, problem, ValidationProblemException } from '@ecotrack/platform';
import type { Repository } from 'typeorm';
import { ReadCache } from '../cache/read-cache';
import { toDto } from './catalog.service';
import type { ProductDto } from './dto/product.dto';
import type { CreateProductDto, UpdateProductDto } from './dto/write-product.dto';
import { Product } from './product.entity';


/** Catalog writes. Each one invalidates the cache after it is committed. */
@Injectable()
export class CatalogAdminService {
  constructor(
    @InjectRepository(Product) private readonly products: Repository<Product>,
    private readonly cache: ReadCache,
  ) {}

  async create(request: CreateProductDto): Promise<ProductDto> {
    const product = await this.products.save(this.products.create({ description: '', ...request })).catch(translate(request));
    // A new product may match any cached search.
    await this.cache.forgetProducts([], { searches: true });
    return this.get(product.id);
  }

  async update(id: string, changes: UpdateProductDto): Promise<ProductDto> {
    if (Object.keys(changes).length === 0) {
      throw new ValidationProblemException([{ field: '(body)', message: 'at least one field must be given' }]);
    }
    const result = await this.products.update({ id }, changes).catch(translate(changes));
    if (!result.affected) throw new NotFoundException(`product ${id} does not exist`);
    await this.cache.forgetProducts([id], { searches: true });
    return this.get(id);
  }

  async remove(id: string): Promise<void> {
    const result = await this.products.delete({ id }).catch((error: unknown) => {
      if (pgErrorCode(error) === PgError.foreignKeyViolation) {
        throw new ConflictException(
          problem(409, {
            type: 'urn:ecotrack:problem:product-in-use',
            title: 'Product has stock reservations',
            detail: `product ${id} is referenced by reservations and cannot be deleted`,
            productId: id,
          }),
        );
      }
      throw error;
    });
    if (!result.affected) throw new NotFoundException(`product ${id} does not exist`);
    await this.cache.forgetProducts([id], { searches: true });
  }

  private async get(id: string): Promise<ProductDto> {
    return toDto(await this.products.findOneByOrFail({ id }));
  }
}


/** Duplicate SKU → 409; unknown category → 422; anything else stays a 500. */
function translate(request: { sku?: string; category?: string }) {
  return (error: unknown): never => {
    if (pgErrorCode(error) === PgError.uniqueViolation) {
      throw new ConflictException(problem(409, { detail: `a product with sku ${request.sku} already exists` }));
    }
    if (pgErrorCode(error) === PgError.foreignKeyViolation) {
      throw new UnprocessableEntityException(
        problem(422, {
          type: 'urn:ecotrack:problem:unknown-category',
          title: 'Unknown category',
          detail: `category ${request.category} does not exist`,
        }),
      );
    }
    throw error;
  };
}
