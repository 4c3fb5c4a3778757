import { eventsEntities, eventsMigrations } from '@ecotrack/events';
import { User } from './accounts/user.entity';
import { CreateUsers1764150000000 } from './migrations/1764150000000-create-users';
import { EncryptDisplayNames1765000000000 } from './migrations/1765000000000-encrypt-display-names';

/** Listed explicitly (no globs): what the app maps and what the migration step applies. */
export const entities = [User, ...eventsEntities];
export const migrations = [CreateUsers1764150000000, ...eventsMigrations, EncryptDisplayNames1765000000000];
