import { Module } from '@nestjs/common';
import { CacheModule } from '../cache/cache.module';
import { InventoryService } from './inventory.service';
import { ReservationsController } from './reservations.controller';

@Module({
  imports: [CacheModule],
  controllers: [ReservationsController],
  providers: [InventoryService],
  // The order saga (a later issue) will call InventoryService from a Kafka consumer.
  exports: [InventoryService],
})
export class InventoryModule {}
