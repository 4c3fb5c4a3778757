import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Payment } from '../payments/payment.entity';
import { WebhookEvent } from './webhook-event.entity';
import { WebhookVerification } from './webhook-verification';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

@Module({
  imports: [TypeOrmModule.forFeature([Payment, WebhookEvent])],
  controllers: [WebhooksController],
  providers: [WebhookVerification, WebhooksService],
})
export class WebhooksModule {}
