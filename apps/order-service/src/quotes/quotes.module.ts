import { Module } from '@nestjs/common';
import { ProductClientModule } from '../product-client/product-client.module';
import { QuoteMetrics } from './quote-metrics';
import { QuotesController } from './quotes.controller';
import { QuotesService } from './quotes.service';

@Module({
  imports: [ProductClientModule],
  controllers: [QuotesController],
  providers: [QuotesService, QuoteMetrics],
  // Orders are priced exactly like quotes.
  exports: [QuotesService],
})
export class QuotesModule {}
