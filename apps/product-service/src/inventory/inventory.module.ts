import { Module } from '@nestjs/common';
import { CacheModule } from '../cache/cache.module';
import { CatalogModule } from '../catalog/catalog.module';
import { InventoryCommands } from './inventory-commands';
import { InventoryService } from './inventory.service';
import { ReservationsController } from './reservations.controller';

/** Reservations: driven by the order saga over Kafka (InventoryCommands) and by operators over HTTP. */
@Module({
  imports: [CacheModule, CatalogModule],
  controllers: [ReservationsController],
  providers: [InventoryService, InventoryCommands],
  exports: [InventoryService],
})
export class InventoryModule {}
