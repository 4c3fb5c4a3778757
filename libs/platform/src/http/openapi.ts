import { HttpStatus, ParseUUIDPipe, RequestMethod, type INestApplication, type Type } from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ModulesContainer } from '@nestjs/core';
import { ApiBearerAuth, ApiExtension, ApiParam, ApiProperty, ApiPropertyOptional, ApiResponse, DECORATORS, DocumentBuilder, getSchemaPath, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { IS_PUBLIC, REQUIRED_ROLES } from '../auth/decorators';
import { PROBLEM_CONTENT_TYPE } from '../errors/problem';
import type { ServiceInfo } from '@ecotrack/core';
import { STATUS_CODES } from 'node:http';

class FieldErrorDto {
  @ApiProperty({ example: 'items.0.quantity' }) field: string;
  @ApiProperty({ example: 'quantity must not be greater than 100' }) message: string;
}

/** RFC 9457 problem details, the body of every error; problem types may add members (e.g. `limit` on a 429). */
export class ProblemDto {
  @ApiProperty({ description: 'A URI (urn:ecotrack:problem:...) or about:blank', example: 'urn:ecotrack:problem:validation-error' }) type: string;
  @ApiProperty({ example: 'Request validation failed' }) title: string;
  @ApiProperty({ example: 400 }) status: number;
  @ApiPropertyOptional({ example: 'items.0.quantity: quantity must not be greater than 100' }) detail?: string;
  @ApiPropertyOptional({ example: '/v1/orders' }) instance?: string;
  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'Validation problems: each invalid field and why' }) errors?: FieldErrorDto[];
}

const problemContent = () => ({ [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(ProblemDto) } } });

/** Methods whose requests Fastify reads a body from (and so answers 413 and 415 on). */
const BODY_METHODS = new Set([RequestMethod.POST, RequestMethod.PUT, RequestMethod.PATCH, RequestMethod.DELETE]);
const INPUT_ARGS = new Set<number>([RouteParamtypes.BODY, RouteParamtypes.QUERY, RouteParamtypes.PARAM]);

/** What the platform decides about a route before its handler runs, read from its metadata. */
interface RouteFacts {
  isPublic: boolean;
  roles: string[];
  takesBody: boolean;
  readsInput: boolean;
}

/** Answers any route may give without its handler, by what the platform does (guards, pipes, parsers, limits). */
const PLATFORM_RESPONSES: Array<{ status: number; when: (route: RouteFacts) => boolean; description: (route: RouteFacts) => string; headers?: Record<string, object> }> = [
  {
    status: 400,
    when: (r) => r.readsInput,
    description: () => 'Invalid request: a malformed, unknown, out-of-range or unstorable parameter or body field, or a body where none is taken (problem+json naming each field); nothing written',
  },
  {
    status: 401,
    when: (r) => !r.isPublic,
    description: () => 'Missing, malformed, expired or revoked bearer token (problem+json)',
    headers: { 'WWW-Authenticate': { description: 'Bearer challenge (RFC 6750)', schema: { type: 'string' } } },
  },
  { status: 403, when: (r) => r.roles.length > 0, description: (r) => `The caller lacks the role ${r.roles.join(' or ')} (problem+json)` },
  { status: 413, when: (r) => r.takesBody, description: () => 'The body is larger than HTTP_BODY_LIMIT_BYTES (problem+json)' },
  { status: 415, when: (r) => r.takesBody, description: () => 'The body is neither JSON nor form-encoded (problem+json)' },
  {
    status: 429,
    when: () => true,
    description: () => 'Rate limit exceeded: per client IP, per user, or this operation\'s own limit (problem+json naming the limit)',
    headers: { 'Retry-After': { description: 'Seconds until the limit resets', schema: { type: 'integer', minimum: 1 } } },
  },
  { status: 503, when: (r) => !r.isPublic, description: () => 'The token keys or the session store cannot be reached to check the token; retry shortly (problem+json)' },
];

/** Route arguments as Nest's decorators record them: `<paramtype>:<index>` → what the argument reads, and through which pipes. */
type RouteArgs = Record<string, { data?: unknown; pipes?: unknown[] }>;
const routeArgs = (controller: Type, handlerName: string): RouteArgs => Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, handlerName) ?? {};

/** Path parameters read through a UUID pipe (uuidParam) are documented as such, so clients and fuzzers send UUIDs. */
function describeUuidParams(controller: Type, name: string, descriptor: PropertyDescriptor): void {
  const documented = ((Reflect.getMetadata(DECORATORS.API_PARAMETERS, descriptor.value) ?? []) as Array<{ name?: string }>).map((p) => p.name);
  for (const [key, arg] of Object.entries(routeArgs(controller, name))) {
    if (Number(key.split(':')[0]) !== RouteParamtypes.PARAM || typeof arg.data !== 'string' || documented.includes(arg.data)) continue;
    if (arg.pipes?.some((pipe) => pipe instanceof ParseUUIDPipe)) ApiParam({ name: arg.data, type: String, format: 'uuid' })(controller.prototype, name, descriptor);
  }
}

function routeFacts(controller: Type, handlerName: string, handler: object): RouteFacts {
  const pick = <T>(key: string): T | undefined => Reflect.getMetadata(key, handler) ?? Reflect.getMetadata(key, controller);
  const args = Object.keys(routeArgs(controller, handlerName)).map((key) => Number(key.split(':')[0]));
  const takesBody = BODY_METHODS.has(Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod);
  return {
    isPublic: pick<boolean>(IS_PUBLIC) === true,
    roles: pick<string[]>(REQUIRED_ROLES) ?? [],
    takesBody,
    readsInput: takesBody || args.some((type) => INPUT_ARGS.has(type)),
  };
}

/**
 * Adds to each route's OpenAPI metadata what the platform answers for it (400, 401, 403, 413, 415,
 * 429, 503) and its security: derived from @Public, @Roles and the parameters the handler reads, so
 * no controller documents them by hand and none can forget. A status the controller documents
 * itself keeps its own description.
 */
function describePlatformResponses(app: INestApplication): void {
  for (const module of app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) {
      const controller = metatype as Type | null;
      if (!controller) continue;
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const descriptor = Object.getOwnPropertyDescriptor(controller.prototype, name)!;
        const handler = descriptor.value as object;
        // A route handler: a method (not the constructor, which carries the controller's own path) with a route path.
        if (name === 'constructor' || typeof handler !== 'function' || Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
        const route = routeFacts(controller, name, handler);
        describeUuidParams(controller, name, descriptor);
        const documented = { ...Reflect.getMetadata(DECORATORS.API_RESPONSE, controller), ...Reflect.getMetadata(DECORATORS.API_RESPONSE, handler) };
        if (!Object.keys(documented).some((status) => Number(status) < 400)) {
          // What the document would have said had the route documented nothing: its success status.
          const success = Reflect.getMetadata(HTTP_CODE_METADATA, handler) ?? (Reflect.getMetadata(METHOD_METADATA, handler) === RequestMethod.POST ? HttpStatus.CREATED : HttpStatus.OK);
          ApiResponse({ status: success, description: STATUS_CODES[success] ?? 'Success' })(controller.prototype, name, descriptor);
        }
        for (const response of PLATFORM_RESPONSES) {
          if (!response.when(route) || documented[response.status]) continue;
          ApiResponse({ status: response.status, description: response.description(route), content: problemContent(), headers: response.headers })(controller.prototype, name, descriptor);
        }
        if (route.isPublic) continue;
        const security = [...(Reflect.getMetadata(DECORATORS.API_SECURITY, controller) ?? []), ...(Reflect.getMetadata(DECORATORS.API_SECURITY, handler) ?? [])] as object[];
        if (!security.some((requirement) => 'bearer' in requirement)) ApiBearerAuth()(controller.prototype, name, descriptor);
        if (route.roles.length) ApiExtension('x-required-roles', route.roles)(controller.prototype, name, descriptor);
      }
    }
  }
}

/**
 * Every error any service sends is application/problem+json (ProblemDetailsFilter): an error response
 * a controller documented with a description only gets that body, one documented as plain JSON gets
 * the right media type.
 */
function giveErrorsTheirBody(document: OpenAPIObject): void {
  for (const operations of Object.values(document.paths)) {
    for (const operation of Object.values(operations)) {
      for (const [status, response] of Object.entries((operation as { responses?: Record<string, { content?: Record<string, object> }> }).responses ?? {})) {
        if (Number(status) < 400) continue;
        const { 'application/json': json, ...others } = response.content ?? {};
        response.content = json ? { [PROBLEM_CONTENT_TYPE]: json, ...others } : response.content ?? problemContent();
      }
    }
  }
}

/** The service's OpenAPI document: its controllers, plus every answer the platform gives on their behalf. */
export function buildOpenApiDocument(app: INestApplication, service: ServiceInfo): OpenAPIObject {
  describePlatformResponses(app);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle(service.name).setDescription(service.description).setVersion(service.version).addBearerAuth().build(),
    { extraModels: [ProblemDto] },
  );
  giveErrorsTheirBody(document);
  return document;
}
