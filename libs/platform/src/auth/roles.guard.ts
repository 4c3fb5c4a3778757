import { ForbiddenException, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { REQUIRED_ROLES, type AuthenticatedRequest } from './decorators';

/** Runs after JwtAuthGuard: a route with @Roles() needs a caller holding one of them. */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const required = this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_ROLES, [context.getHandler(), context.getClass()]);
    if (!required?.length || context.getType() !== 'http') return true;
    const user = context.switchToHttp().getRequest<AuthenticatedRequest>().user;
    // @Roles on a @Public route is a mistake; never let it through unauthenticated.
    if (!user) throw new UnauthorizedException('authentication required');
    if (required.some((role) => user.roles.includes(role))) return true;
    throw new ForbiddenException(`requires role ${required.join(' or ')}`);
  }
}
