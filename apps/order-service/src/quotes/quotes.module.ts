import { Module } from '@nestjs/common';
import { ProductCatalogClient } from '../catalog/product-catalog.client';
import { QuotesController } from './quotes.controller';
import { QuotesService } from './quotes.service';

@Module({
  controllers: [QuotesController],
  providers: [QuotesService, ProductCatalogClient],
})
export class QuotesModule {}
