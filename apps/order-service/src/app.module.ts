import { Module } from '@nestjs/common';
import { APP_CONFIG } from '@ecotrack/core';
import { AuthModule, authOptionsFromConfig, DatabaseModule, RedisModule } from '@ecotrack/platform';
import { EventsModule, topics } from '@ecotrack/events';
import { SagaModule } from '@ecotrack/saga';
import { entities } from './entities';
import { OrdersModule } from './orders/orders.module';
import { QuotesModule } from './quotes/quotes.module';
import { SagaOperationsModule } from './sagas/saga-operations.module';

/** Every route needs a token verified against user-service's JWKS, unless marked @Public() (quotes are). */
const auth = AuthModule.forRootAsync({ inject: [APP_CONFIG], useFactory: authOptionsFromConfig });

@Module({
  imports: [
    DatabaseModule.forRoot({ entities }),
    RedisModule,
    EventsModule.forRoot({ produces: [topics.order.events, topics.product.commands, topics.payment.commands, topics.order.sagaReplies] }),
    SagaModule,
    auth,
    QuotesModule,
    OrdersModule,
    SagaOperationsModule,
  ],
})
export class AppModule {}
