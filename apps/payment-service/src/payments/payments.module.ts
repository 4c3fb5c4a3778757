import { Module } from '@nestjs/common';
import { Roles } from '@ecotrack/platform';
import { FieldEncryptionModule } from '@ecotrack/field-encryption';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PaymentGatewaysModule } from '../providers/payment-gateways.module';
import { service } from '../service';
import { PaymentAnnouncements } from './payment-announcements';
import { PaymentFields } from './payment-fields';
import { PaymentMetrics } from './payment-metrics';
import { Payment } from './payment.entity';
import { PaymentsController } from './payments.controller';
import { PaymentsService } from './payments.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([Payment]),
    PaymentGatewaysModule,
    // Payment fields: encrypted with transit key payment-fields (the service does not start without OpenBao).
    FieldEncryptionModule.forRoot({
      service: service.name,
      key: 'payment-fields',
      columns: [
        { table: 'payments', column: 'failure_reason_ciphertext', legacyColumn: 'failure_reason' },
        { table: 'payments', column: 'payment_method_ciphertext' },
      ],
      adminOnly: Roles('admin'),
    }),
  ],
  controllers: [PaymentsController],
  providers: [PaymentsService, PaymentAnnouncements, PaymentFields, PaymentMetrics],
  exports: [PaymentsService, PaymentAnnouncements],
})
export class PaymentsModule {}
