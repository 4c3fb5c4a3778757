import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { PaymentStatus } from '../../payments/payment.entity';

/** 200 to a delivery: the provider stops retrying. What the event did is in `outcome`. */
export class WebhookAckDto {
  @ApiProperty({ description: 'true: this event id was received before; nothing was done again', example: false })
  duplicate: boolean;

  @ApiPropertyOptional({ description: 'Whether the event named a payment we hold (absent on duplicates)', example: true })
  matched?: boolean;

  @ApiPropertyOptional({
    enum: ['applied', 'unchanged', 'ignored', 'unmatched', 'unhandled'],
    description:
      'applied: the payment moved forward; unchanged: it already had that status; ignored: the move would go backwards ' +
      '(or is a partial refund); unmatched: no payment has the references; unhandled: an event type we do not act on',
    example: 'applied',
  })
  outcome?: 'applied' | 'unchanged' | 'ignored' | 'unmatched' | 'unhandled';

  @ApiPropertyOptional({ format: 'uuid', example: '0b8f0c7e-3b7a-4d0e-9a53-2f8f3c1d9e41' })
  paymentId?: string;

  @ApiPropertyOptional({ enum: ['AUTHORIZED', 'CAPTURED', 'VOIDED', 'REFUNDED', 'FAILED'], description: 'The payment status after the event', example: 'CAPTURED' })
  status?: PaymentStatus;
}

/** Response examples for the OpenAPI document. */
export const WEBHOOK_ACK_EXAMPLES = {
  applied: { summary: 'The payment moved forward', value: { duplicate: false, matched: true, outcome: 'applied', paymentId: '0b8f0c7e-3b7a-4d0e-9a53-2f8f3c1d9e41', status: 'CAPTURED' } },
  duplicate: { summary: 'A redelivery of an event already received', value: { duplicate: true } },
  ignored: { summary: 'Out of order: CAPTURED does not go back to AUTHORIZED', value: { duplicate: false, matched: true, outcome: 'ignored', paymentId: '0b8f0c7e-3b7a-4d0e-9a53-2f8f3c1d9e41', status: 'CAPTURED' } },
  unmatched: { summary: 'No payment of ours has these references (recorded, logged at warn)', value: { duplicate: false, matched: false, outcome: 'unmatched' } },
  unhandled: { summary: 'An event type we do not act on (recorded)', value: { duplicate: false, matched: false, outcome: 'unhandled' } },
};
