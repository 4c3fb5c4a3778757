import { NotFoundException } from '@nestjs/common';
import type { AuthenticatedUser } from './auth.options';

/**
 * Someone else's resource answers 404, as if it did not exist: a 403 would tell
 * the caller that the id is real. Roles in `allowRoles` (e.g. admin) see all.
 */
export function assertOwner(ownerId: string, user: AuthenticatedUser, options: { allowRoles?: string[] } = {}): void {
  if (ownerId === user.id) return;
  if (options.allowRoles?.some((role) => user.roles.includes(role))) return;
  throw new NotFoundException('no such resource');
}
