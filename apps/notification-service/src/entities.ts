import { eventsEntities, eventsMigrations } from '@ecotrack/events';
import { Notification } from './notifications/notification.entity';
import { SendGridEventRecord } from './providers/sendgrid/sendgrid-event.entity';
import { Recipient } from './events/recipient.entity';
import { CreateNotifications1764150000000 } from './migrations/1764150000000-create-notifications';
import { AddDeliveryAndPreferences1764500000000 } from './migrations/1764500000000-add-delivery-and-preferences';
import { AddDeliveryRetries1764500000001 } from './migrations/1764500000001-add-delivery-retries';
import { AddPushSubscriptions1764600000000 } from './migrations/1764600000000-add-push-subscriptions';
import { AddSendGridEvents1764600000001 } from './migrations/1764600000001-add-sendgrid-events';
import { AddEventNotifications1764800000000 } from './migrations/1764800000000-add-event-notifications';
import { AddSealedNotificationData1765310000001 } from './migrations/1765310000001-add-sealed-notification-data';
import { ForgetStoredNames1765310000002 } from './migrations/1765310000002-forget-stored-names';
import { AddNotificationOccurredAt1766000000000 } from './migrations/1766000000000-add-notification-occurred-at';
import { NotificationPreference } from './preferences/notification-preference.entity';
import { PushSubscription } from './push/push-subscription.entity';

/** Listed explicitly (no globs): what the app maps and what the migration step applies. */
export const entities = [Notification, NotificationPreference, PushSubscription, SendGridEventRecord, Recipient, ...eventsEntities];
export const migrations = [
  CreateNotifications1764150000000,
  AddDeliveryAndPreferences1764500000000,
  AddDeliveryRetries1764500000001,
  AddPushSubscriptions1764600000000,
  AddSendGridEvents1764600000001,
  ...eventsMigrations,
  AddEventNotifications1764800000000,
  AddSealedNotificationData1765310000001,
  ForgetStoredNames1765310000002,
  AddNotificationOccurredAt1766000000000,
];
