import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type Repository } from 'typeorm';
import { ReadCache } from '../cache/read-cache';
import type { ListProductsQuery, ProductBatchDto, ProductDto, ProductPageDto } from './dto/product.dto';
import { Product } from './product.entity';

export const toDto = ({ createdAt: _c, updatedAt: _u, ...product }: Product): ProductDto => product;

/** Catalog reads. Product detail goes through the cache; the list does not (admin/browse use). */
@Injectable()
export class CatalogService {
  constructor(
    @InjectRepository(Product) private readonly products: Repository<Product>,
    private readonly cache: ReadCache,
  ) {}

  async list(query: ListProductsQuery): Promise<ProductPageDto> {
    const [items, total] = await this.products.findAndCount({
      order: { name: 'ASC', id: 'ASC' },
      take: query.limit,
      skip: query.offset,
    });
    return { items: items.map(toDto), total, limit: query.limit, offset: query.offset };
  }

  async get(id: string): Promise<ProductDto> {
    const product = await this.cache.product(id, async () => {
      const found = await this.products.findOneBy({ id });
      return found ? toDto(found) : undefined;
    });
    if (!product) throw new NotFoundException(`product ${id} does not exist`);
    return product;
  }

  /**
   * Several products in one read, each through the cache like `get`: a basket of 50 lines is
   * one request here, one Redis round trip and at most one query.
   */
  async getMany(ids: string[]): Promise<ProductBatchDto> {
    const unique = [...new Set(ids.map((id) => id.toLowerCase()))];
    const found = await this.cache.products(unique, async (missing) => {
      const rows = await this.products.findBy({ id: In(missing) });
      return new Map(rows.map((row) => [row.id, toDto(row)]));
    });
    return {
      items: unique.filter((id) => found.has(id)).map((id) => found.get(id)!),
      missing: unique.filter((id) => !found.has(id)),
    };
  }
}
