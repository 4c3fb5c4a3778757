import { Module } from '@nestjs/common';
import { APP_CONFIG, AuthModule, authOptionsFromConfig, DatabaseModule, RedisModule } from '@ecotrack/platform';
import { KafkaModule } from '@ecotrack/events';
import { CatalogModule } from './catalog/catalog.module';
import { entities } from './entities';
import { InventoryModule } from './inventory/inventory.module';
import { RecommendationsModule } from './recommendations/recommendations.module';
import { SearchModule } from './search/search.module';

/** Every route needs a token verified against user-service's JWKS, unless marked @Public(). */
const auth = AuthModule.forRootAsync({ inject: [APP_CONFIG], useFactory: authOptionsFromConfig });

@Module({
  // Order does not matter for routing: Fastify's router prefers the static /v1/products/search to /v1/products/:id.
  imports: [DatabaseModule.forRoot({ entities }), RedisModule, KafkaModule, auth, SearchModule, CatalogModule, RecommendationsModule, InventoryModule],
})
export class AppModule {}
