import { eventsEntities, eventsMigrations } from '@ecotrack/events';
import { Payment } from './payments/payment.entity';
import { WebhookEvent } from './webhooks/webhook-event.entity';
import { CreatePayments1764150000000 } from './migrations/1764150000000-create-payments';
import { AddPaymentReferences1764400000000 } from './migrations/1764400000000-add-payment-references';
import { CreateWebhookEvents1764600000000 } from './migrations/1764600000000-create-webhook-events';
import { AddSagaPayments1764800000000 } from './migrations/1764800000000-add-saga-payments';
import { EncryptPaymentFields1765000000000 } from './migrations/1765000000000-encrypt-payment-fields';

/** Listed explicitly (no globs): what the app maps and what the migration step applies. */
export const entities = [Payment, WebhookEvent, ...eventsEntities];
export const migrations = [
  CreatePayments1764150000000,
  AddPaymentReferences1764400000000,
  CreateWebhookEvents1764600000000,
  ...eventsMigrations,
  AddSagaPayments1764800000000,
  EncryptPaymentFields1765000000000,
];
