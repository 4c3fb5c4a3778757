import { Module } from '@nestjs/common';
import { ProductCatalogClient } from '../catalog/product-catalog.client';
import { QuotesController } from './quotes.controller';
import { QuotesService } from './quotes.service';

@Module({
  controllers: [QuotesController],
  providers: [QuotesService, ProductCatalogClient],
  // Orders are priced exactly like quotes.
  exports: [QuotesService],
})
export class QuotesModule {}
