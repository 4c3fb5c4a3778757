import { Module } from '@nestjs/common';
import { ProductClient } from './product-client';

/** order-service's one way to product-service: prices, names and footprints of products, over HTTP. */
@Module({ providers: [ProductClient], exports: [ProductClient] })
export class ProductClientModule {}
