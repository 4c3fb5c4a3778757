import { ForbiddenException, Logger, NotFoundException, ServiceUnavailableException, UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AuthenticatedUser } from './auth.options';
import { IS_PUBLIC, REQUIRED_ROLES } from './decorators';
import { JwtAuthGuard } from './jwt-auth.guard';
import { assertOwner } from './ownership';
import { RolesGuard } from './roles.guard';
import type { SessionRevocation } from './session-revocation';
import { TokenRejected, type TokenVerifier } from './token-verifier';

const alice: AuthenticatedUser = { id: 'alice', roles: ['customer'], sessionId: 's-1', claims: {} };

/** Just enough of Nest's ExecutionContext and Fastify's request/reply for the guards. */
function http(headers: Record<string, string> = {}, metadata: Record<string, unknown> = {}, url = '/v1/things') {
  const handler = () => undefined;
  for (const [key, value] of Object.entries(metadata)) Reflect.defineMetadata(key, value, handler);
  const replyHeaders: Record<string, string> = {};
  const request: Record<string, unknown> = { headers, routeOptions: { url } };
  const reply = { header: (name: string, value: string) => (replyHeaders[name] = value) };
  const context = {
    getType: () => 'http',
    getHandler: () => handler,
    getClass: () => class {},
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
  } as unknown as ExecutionContext;
  return { context, request, replyHeaders };
}

function guard(verify: TokenVerifier['verify'], revocation: SessionRevocation | null = null) {
  return new JwtAuthGuard(new Reflector(), { verify } as TokenVerifier, revocation);
}

const accept = async () => alice;
const live: SessionRevocation = { isRevoked: async () => false };

describe('JwtAuthGuard', () => {
  beforeEach(() => jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it('asks for a bearer token with a bare challenge when none is sent', async () => {
    const { context, replyHeaders } = http();
    await expect(guard(accept).canActivate(context)).rejects.toBeInstanceOf(UnauthorizedException);
    expect(replyHeaders['www-authenticate']).toBe('Bearer realm="ecotrack"');
  });

  it('rejects a non-bearer Authorization header as invalid_request', async () => {
    const { context, replyHeaders } = http({ authorization: 'Basic YWxpY2U6c2VjcmV0' });
    await expect(guard(accept).canActivate(context)).rejects.toBeInstanceOf(UnauthorizedException);
    expect(replyHeaders['www-authenticate']).toContain('error="invalid_request"');
  });

  it('rejects a bad token with invalid_token and the reason', async () => {
    const { context, replyHeaders } = http({ authorization: 'Bearer a.b.c' });
    const reject = async () => Promise.reject(new TokenRejected('token expired'));
    await expect(guard(reject).canActivate(context)).rejects.toThrow('token expired');
    expect(replyHeaders['www-authenticate']).toBe('Bearer realm="ecotrack", error="invalid_token", error_description="token expired"');
  });

  it('lets a valid token through and leaves the user on the request', async () => {
    const { context, request } = http({ authorization: 'Bearer a.b.c' });
    await expect(guard(accept, live).canActivate(context)).resolves.toBe(true);
    expect(request.user).toBe(alice);
  });

  it('rejects a valid token of a revoked session', async () => {
    const { context, replyHeaders } = http({ authorization: 'Bearer a.b.c' });
    await expect(guard(accept, { isRevoked: async () => true }).canActivate(context)).rejects.toThrow('session revoked');
    expect(replyHeaders['www-authenticate']).toContain('invalid_token');
  });

  it('fails closed (503) when the session cannot be checked', async () => {
    const { context } = http({ authorization: 'Bearer a.b.c' });
    const down = { isRevoked: () => Promise.reject(new Error('Connection is closed.')) };
    await expect(guard(accept, down).canActivate(context)).rejects.toBeInstanceOf(ServiceUnavailableException);
  });

  it('skips @Public routes and the platform probes', async () => {
    await expect(guard(accept).canActivate(http({}, { [IS_PUBLIC]: true }).context)).resolves.toBe(true);
    await expect(guard(accept).canActivate(http({}, {}, '/health/ready').context)).resolves.toBe(true);
  });
});

describe('RolesGuard', () => {
  const roles = new RolesGuard(new Reflector());
  const withUser = (user: AuthenticatedUser | undefined) => {
    const { context, request } = http({}, { [REQUIRED_ROLES]: ['admin'] });
    request.user = user;
    return context;
  };

  it('forbids a caller without the role (403)', () => {
    expect(() => roles.canActivate(withUser(alice))).toThrow(ForbiddenException);
  });

  it('admits a caller with the role, and routes without @Roles', () => {
    expect(roles.canActivate(withUser({ ...alice, roles: ['admin'] }))).toBe(true);
    expect(roles.canActivate(http().context)).toBe(true);
  });

  it('never admits an unauthenticated caller to a role-restricted route', () => {
    expect(() => roles.canActivate(withUser(undefined))).toThrow(UnauthorizedException);
  });
});

describe('assertOwner', () => {
  it('lets the owner through and answers 404 (not 403) to anyone else', () => {
    expect(() => assertOwner('alice', alice)).not.toThrow();
    expect(() => assertOwner('bob', alice)).toThrow(NotFoundException);
  });

  it('lets allowed roles through', () => {
    expect(() => assertOwner('bob', { ...alice, roles: ['admin'] }, { allowRoles: ['admin'] })).not.toThrow();
  });
});
