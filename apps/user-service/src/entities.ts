import { eventsEntities, eventsMigrations } from '@ecotrack/events';
import { EmailVerificationToken } from './accounts/email-verification-token.entity';
import { User } from './accounts/user.entity';
import { CreateUsers1764150000000 } from './migrations/1764150000000-create-users';
import { EncryptDisplayNames1765000000000 } from './migrations/1765000000000-encrypt-display-names';
import { AddEmailVerification1765310000000 } from './migrations/1765310000000-add-email-verification';

/** Listed explicitly (no globs): what the app maps and what the migration step applies. */
export const entities = [User, EmailVerificationToken, ...eventsEntities];
export const migrations = [CreateUsers1764150000000, ...eventsMigrations, EncryptDisplayNames1765000000000, AddEmailVerification1765310000000];
