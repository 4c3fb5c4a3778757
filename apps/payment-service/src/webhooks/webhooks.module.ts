import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Payment } from '../payments/payment.entity';
import { PaymentsModule } from '../payments/payments.module';
import { WebhookEvent } from './webhook-event.entity';
import { WebhookVerification } from './webhook-verification';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

@Module({
  imports: [TypeOrmModule.forFeature([Payment, WebhookEvent]), PaymentsModule],
  controllers: [WebhooksController],
  providers: [WebhookVerification, WebhooksService],
})
export class WebhooksModule {}
