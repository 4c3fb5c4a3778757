import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ReadCache } from '../cache/read-cache';
import type { ListProductsQuery, ProductDto, ProductPageDto } from './dto/product.dto';
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
}
