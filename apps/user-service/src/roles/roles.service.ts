import { ConflictException, Injectable, Logger } from '@nestjs/common';
import { AccountsService, type Account } from '../accounts/accounts.service';
import type { Role } from '../accounts/user.entity';
import { SessionStore } from '../sessions/session.store';

@Injectable()
export class RolesService {
  private readonly logger = new Logger('Roles');

  constructor(
    private readonly accounts: AccountsService,
    private readonly sessions: SessionStore,
  ) {}

  /**
   * Sets the user's roles. Roles travel inside access tokens, so a change ends the user's
   * sessions: no token keeps a role it lost (every service checks revocation), and the
   * next login carries the new set.
   */
  async setRoles(userId: string, roles: Role[], actingAdminId: string): Promise<Account> {
    if (userId === actingAdminId && !roles.includes('admin')) {
      // Guards against locking the last admin out; another admin can do it.
      throw new ConflictException('an admin cannot remove their own admin role');
    }
    const { user, changed } = await this.accounts.replaceRoles(userId, roles);
    if (changed) {
      const ended = await this.sessions.revokeAllOf(userId);
      this.logger.log({ userId, roles: user.roles, actingAdminId, sessionsEnded: ended }, 'roles changed');
    }
    return user;
  }
}
