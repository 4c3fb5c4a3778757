import { Payment } from './payments/payment.entity';
import { CreatePayments1764150000000 } from './migrations/1764150000000-create-payments';
import { AddPaymentReferences1764400000000 } from './migrations/1764400000000-add-payment-references';

/** Listed explicitly (no globs): what the app maps and what the migration step applies. */
export const entities = [Payment];
export const migrations = [CreatePayments1764150000000, AddPaymentReferences1764400000000];
