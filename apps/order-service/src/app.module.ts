import { Module } from '@nestjs/common';
import { DatabaseModule, RedisModule } from '@ecotrack/platform';
import { KafkaModule } from '@ecotrack/events';
import { entities } from './entities';
import { QuotesModule } from './quotes/quotes.module';

@Module({
  imports: [DatabaseModule.forRoot({ entities }), RedisModule, KafkaModule, QuotesModule],
})
export class AppModule {}
