import { createParamDecorator, SetMetadata, UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import type { AuthenticatedUser } from './auth.options';

export const IS_PUBLIC = 'ecotrack:auth:public';
export const REQUIRED_ROLES = 'ecotrack:auth:roles';

/** Every route requires a bearer token unless it says otherwise. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** The caller needs at least one of these roles (else 403). */
export const Roles = (...roles: string[]) => SetMetadata(REQUIRED_ROLES, roles);

/** The request as the guards leave it. */
export interface AuthenticatedRequest {
  user?: AuthenticatedUser;
}

/** The verified caller; a route without a verified caller cannot use it. */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): AuthenticatedUser => {
  const user = context.switchToHttp().getRequest<AuthenticatedRequest>().user;
  if (!user) throw new UnauthorizedException('authentication required');
  return user;
});
