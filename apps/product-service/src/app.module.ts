import { Module } from '@nestjs/common';
import { DatabaseModule, RedisModule } from '@ecotrack/platform';
import { KafkaModule } from '@ecotrack/events';
import { CatalogModule } from './catalog/catalog.module';
import { entities } from './entities';
import { InventoryModule } from './inventory/inventory.module';
import { RecommendationsModule } from './recommendations/recommendations.module';
import { SearchModule } from './search/search.module';

@Module({
  // Order does not matter for routing: Fastify's router prefers the static /v1/products/search to /v1/products/:id.
  imports: [DatabaseModule.forRoot({ entities }), RedisModule, KafkaModule, SearchModule, CatalogModule, RecommendationsModule, InventoryModule],
})
export class AppModule {}
