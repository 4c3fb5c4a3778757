import { Module } from '@nestjs/common';
import { APP_CONFIG } from '@ecotrack/core';
import { AuthModule, authOptionsFromConfig, DatabaseModule, RedisModule } from '@ecotrack/platform';
import { EventsModule, topics } from '@ecotrack/events';
import { CatalogModule } from './catalog/catalog.module';
import { entities } from './entities';
import { InventoryModule } from './inventory/inventory.module';
import { RecommendationsModule } from './recommendations/recommendations.module';
import { SearchModule } from './search/search.module';

/** Every route needs a token verified against user-service's JWKS, unless marked @Public(). */
const auth = AuthModule.forRootAsync({ inject: [APP_CONFIG], useFactory: authOptionsFromConfig });

/**
 * Messaging: product-service writes its domain events (product.events) and its replies to the
 * order saga (order.saga.replies) through its outbox. It consumes product.commands as group
 * "product-service" (inventory/inventory-commands.ts), and its own product.events as group
 * "product-service-cache" (cache/cache-invalidation.ts, which says why apart).
 */
const events = EventsModule.forRoot({ produces: [topics.product.events, topics.order.sagaReplies] });

@Module({
  // Order does not matter for routing: Fastify's router prefers the static /v1/products/search to /v1/products/:id.
  imports: [DatabaseModule.forRoot({ entities }), RedisModule, events, auth, SearchModule, CatalogModule, RecommendationsModule, InventoryModule],
})
export class AppModule {}
