import { Notification } from './delivery/notification.entity';
import { CreateNotifications1764150000000 } from './migrations/1764150000000-create-notifications';

/** Listed explicitly (no globs): what the app maps and what the migration step applies. */
export const entities = [Notification];
export const migrations = [CreateNotifications1764150000000];
