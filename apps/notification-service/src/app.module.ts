import { Module } from '@nestjs/common';
import { DatabaseModule, RedisModule } from '@ecotrack/platform';
import { KafkaModule } from '@ecotrack/events';
import { entities } from './entities';

@Module({
  imports: [DatabaseModule.forRoot({ entities }), RedisModule, KafkaModule],
})
export class AppModule {}
