import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { ListProductsQuery, ProductDto, ProductPageDto } from './dto/product.dto';
import { Product } from './product.entity';

const toDto = ({ createdAt: _c, updatedAt: _u, ...product }: Product): ProductDto => product;

@Injectable()
export class CatalogService {
  constructor(@InjectRepository(Product) private readonly products: Repository<Product>) {}

  async list(query: ListProductsQuery): Promise<ProductPageDto> {
    const [items, total] = await this.products.findAndCount({
      order: { name: 'ASC', id: 'ASC' },
      take: query.limit,
      skip: query.offset,
    });
    return { items: items.map(toDto), total, limit: query.limit, offset: query.offset };
  }

  async get(id: string): Promise<ProductDto> {
    const product = await this.products.findOneBy({ id });
    if (!product) throw new NotFoundException(`product ${id} does not exist`);
    return toDto(product);
  }
}
