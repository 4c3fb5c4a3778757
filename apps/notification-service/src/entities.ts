import { Notification } from './delivery/notification.entity';
import { CreateNotifications1764150000000 } from './migrations/1764150000000-create-notifications';
import { AddDeliveryAndPreferences1764500000000 } from './migrations/1764500000000-add-delivery-and-preferences';
import { AddDeliveryRetries1764500000001 } from './migrations/1764500000001-add-delivery-retries';
import { NotificationPreference } from './preferences/notification-preference.entity';

/** Listed explicitly (no globs): what the app maps and what the migration step applies. */
export const entities = [Notification, NotificationPreference];
export const migrations = [CreateNotifications1764150000000, AddDeliveryAndPreferences1764500000000, AddDeliveryRetries1764500000001];
