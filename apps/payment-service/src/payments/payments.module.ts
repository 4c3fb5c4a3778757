import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { GatewayModule } from '../gateway/gateway.module';
import { PaymentAnnouncements } from './payment-announcements';
import { Payment } from './payment.entity';
import { PaymentsController } from './payments.controller';
import { PaymentsService } from './payments.service';

@Module({
  imports: [TypeOrmModule.forFeature([Payment]), GatewayModule],
  controllers: [PaymentsController],
  providers: [PaymentsService, PaymentAnnouncements],
  exports: [PaymentsService, PaymentAnnouncements],
})
export class PaymentsModule {}
