import { Module, type DynamicModule } from '@nestjs/common';
import { topics } from '@ecotrack/events';
import { PaymentsModule } from '../payments/payments.module';
import { PAYMENT_COMMANDS_TOPIC, PaymentCommands } from './payment-commands';

export interface PaymentCommandsOptions {
  /** Default payment.commands; a test beside a running payment-service gives the service a topic of its own. */
  topic?: string;
}

/** The saga's commands (AuthorizePayment, CapturePayment, VoidPayment, RefundPayment), answered on order.saga.replies. */
@Module({})
export class PaymentCommandsModule {
  static forRoot(options: PaymentCommandsOptions = {}): DynamicModule {
    return {
      module: PaymentCommandsModule,
      imports: [PaymentsModule],
      providers: [{ provide: PAYMENT_COMMANDS_TOPIC, useValue: options.topic ?? topics.payment.commands }, PaymentCommands],
    };
  }
}
