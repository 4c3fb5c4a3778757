import { ConflictException, Injectable, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { PgError, pgErrorCode, problem, ValidationProblemException } from '@ecotrack/platform';
import { DataSource, type Repository } from 'typeorm';
import { ReadCache } from '../cache/read-cache';
import { toDto } from './catalog.service';
import type { ProductDto } from './dto/product.dto';
import type { CreateProductDto, UpdateProductDto } from './dto/write-product.dto';
import { ProductEvents } from './product-events';
import { Product } from './product.entity';

/**
 * Catalog writes. Stock and price changes write StockChanged / ProductPriceChanged to the
 * outbox in the transaction of the change (product-service's own consumer of those events
 * drops the cached detail again, which also covers a Redis blip right now). Each write also
 * invalidates the cache directly after it is committed, so the writer reads its own write.
 */
@Injectable()
export class CatalogAdminService {
  constructor(
    @InjectRepository(Product) private readonly products: Repository<Product>,
    private readonly db: DataSource,
    private readonly cache: ReadCache,
    private readonly events: ProductEvents,
  ) {}

  async create(request: CreateProductDto): Promise<ProductDto> {
    const product = await this.db
      .transaction(async (tx) => {
        const products = tx.getRepository(Product);
        const created = await products.save(products.create({ description: '', ...request }));
        await this.events.stockChanged(tx, [{ productId: created.id, available: created.stock }]);
        return created;
      })
      .catch(translate(request));
    // A new product may match any cached search.
    await this.cache.forgetProducts([], { searches: true });
    return this.get(product.id);
  }

  async update(id: string, changes: UpdateProductDto): Promise<ProductDto> {
    if (Object.keys(changes).length === 0) {
      throw new ValidationProblemException([{ field: '(body)', message: 'at least one field must be given' }]);
    }
    const found = await this.db
      .transaction(async (tx) => {
        // Locked: a reservation changing this stock at the same time commits wholly before or after,
        // and its StockChanged is ordered accordingly.
        const [before]: { stock: number; price_cents: number; currency: string }[] = await tx.query(
          `SELECT stock, price_cents, currency FROM products WHERE id = $1 FOR UPDATE`,
          [id],
        );
        if (!before) return false;
        const products = tx.getRepository(Product);
        await products.update({ id }, changes);
        const after = await products.findOneByOrFail({ id });
        if (after.stock !== before.stock) await this.events.stockChanged(tx, [{ productId: id, available: after.stock }]);
        if (after.priceCents !== before.price_cents || after.currency !== before.currency) {
          await this.events.priceChanged(tx, { productId: id, priceCents: after.priceCents, currency: after.currency });
        }
        return true;
      })
      .catch(translate(changes));
    if (!found) throw new NotFoundException(`product ${id} does not exist`);
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
