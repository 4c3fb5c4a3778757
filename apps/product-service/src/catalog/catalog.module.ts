import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CacheModule } from '../cache/cache.module';
import { AdminCatalogController } from './admin-catalog.controller';
import { CatalogAdminService } from './catalog-admin.service';
import { CatalogController } from './catalog.controller';
import { CatalogService } from './catalog.service';
import { Category } from './category.entity';
import { ProductCacheWarmer } from './product-cache-warmer';
import { ProductEvents } from './product-events';
import { Product } from './product.entity';

@Module({
  imports: [TypeOrmModule.forFeature([Product, Category]), CacheModule],
  controllers: [CatalogController, AdminCatalogController],
  providers: [CatalogService, CatalogAdminService, ProductCacheWarmer, ProductEvents],
  exports: [CatalogService, ProductEvents],
})
export class CatalogModule {}
