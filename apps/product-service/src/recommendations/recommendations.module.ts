import { Module } from '@nestjs/common';
import { RecommendationsController } from './recommendations.controller';
import { RecommendationsService } from './recommendations.service';

@Module({
  controllers: [RecommendationsController],
  providers: [RecommendationsService],
  // The saga (a later issue) calls recordPurchase; no public HTTP write exists.
  exports: [RecommendationsService],
})
export class RecommendationsModule {}
