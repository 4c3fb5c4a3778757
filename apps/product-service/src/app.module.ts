import { Module } from '@nestjs/common';
import { DatabaseModule, RedisModule } from '@ecotrack/platform';
import { KafkaModule } from '@ecotrack/events';
import { CatalogModule } from './catalog/catalog.module';
import { entities } from './entities';

@Module({
  imports: [DatabaseModule.forRoot({ entities }), RedisModule, KafkaModule, CatalogModule],
})
export class AppModule {}
