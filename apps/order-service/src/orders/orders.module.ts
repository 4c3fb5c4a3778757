import { Module } from '@nestjs/common';
import { QuotesModule } from '../quotes/quotes.module';
import { OrdersController } from './orders.controller';
import { OrderMetrics } from './order-metrics';
import { OrdersService } from './orders.service';
import { OrderSagas } from './saga/order-sagas';

@Module({
  imports: [QuotesModule],
  controllers: [OrdersController],
  providers: [OrdersService, OrderSagas, OrderMetrics],
})
export class OrdersModule {}
