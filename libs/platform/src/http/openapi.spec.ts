import 'reflect-metadata';
import { Body, Controller, Get, Module, Param, Post, Query } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiConflictResponse, ApiOkResponse, type OpenAPIObject } from '@nestjs/swagger';
import { Public, Roles } from '../auth/decorators';
import { uuidParam } from '../errors/validation';
import { PageQuery } from './page-query';
import { buildOpenApiDocument } from './openapi';

class ThingDto {
  name: string;
}

@Controller('v1/things')
class ThingsController {
  @Get()
  @Public()
  @ApiOkResponse({ description: 'Things' })
  list(@Query() _query: PageQuery) {
    return [];
  }

  @Get('ping')
  @Public()
  ping() {
    return 'pong';
  }

  @Post()
  @ApiConflictResponse({ description: 'The name is taken', schema: { type: 'object', example: { status: 409 } } })
  create(@Body() _body: ThingDto) {
    return {};
  }
}

@Roles('admin')
@Controller('v1/admin/things')
class AdminThingsController {
  @Get(':id')
  get(@Param('id', uuidParam('id')) _id: string) {
    return {};
  }
}

@Module({ controllers: [ThingsController, AdminThingsController] })
class ThingsModule {}

type Operation = { parameters?: Array<{ name: string; in: string; schema?: { format?: string } }>; security?: Array<Record<string, string[]>>; responses: Record<string, { description: string; content?: Record<string, { schema: { $ref?: string } }>; headers?: Record<string, unknown> }>; 'x-required-roles'?: string[] };

describe('the OpenAPI document states what the platform answers on each operation', () => {
  let app: NestFastifyApplication;
  let document: OpenAPIObject;
  const operation = (path: string, method: string) => document.paths[path][method as 'get'] as unknown as Operation;
  const statuses = (op: Operation) => Object.keys(op.responses).sort();

  beforeAll(async () => {
    app = await NestFactory.create<NestFastifyApplication>(ThingsModule, new FastifyAdapter(), { logger: false });
    document = buildOpenApiDocument(app, { name: 'things-service', version: '1', port: 0, description: 'things' });
  });
  afterAll(() => app.close());

  it('a protected operation taking a body: bearer security, 400, 401, 413, 415, 429 and 503, its own 409 kept', () => {
    const create = operation('/v1/things', 'post');
    expect(create.security).toEqual([{ bearer: [] }]);
    expect(statuses(create)).toEqual(['201', '400', '401', '409', '413', '415', '429', '503']);
    expect(create.responses['409'].description).toBe('The name is taken');
    expect(Object.keys(create.responses['409'].content ?? {})).toEqual(['application/problem+json']);
    expect(create.responses['401'].headers).toHaveProperty('WWW-Authenticate');
    expect(create.responses['429'].headers).toHaveProperty('Retry-After');
    expect(create['x-required-roles']).toBeUndefined();
  });

  it('an admin operation: also 403, and the role it needs', () => {
    const get = operation('/v1/admin/things/{id}', 'get');
    expect(get.security).toEqual([{ bearer: [] }]);
    expect(statuses(get)).toEqual(['200', '400', '401', '403', '429', '503']);
    expect(get.responses['403'].description).toContain('admin');
    expect(get['x-required-roles']).toEqual(['admin']);
    expect(get.parameters).toEqual([expect.objectContaining({ name: 'id', in: 'path', schema: expect.objectContaining({ format: 'uuid' }) })]);
  });

  it('public operations: no security, no 401/403; 400 only where there is input to refuse', () => {
    const list = operation('/v1/things', 'get');
    expect(list.security).toBeUndefined();
    expect(statuses(list)).toEqual(['200', '400', '429']);
    expect(statuses(operation('/v1/things/ping', 'get'))).toEqual(['200', '429']);
  });

  it('every error response is problem+json with the Problem schema', () => {
    const problems = Object.values(document.paths).flatMap((methods) =>
      Object.values(methods as Record<string, Operation>).flatMap((op) => Object.entries(op.responses).filter(([status]) => Number(status) >= 400)),
    );
    expect(problems.length).toBeGreaterThan(10);
    for (const [status, response] of problems.filter(([status]) => status !== '409')) {
      expect([status, response.content]).toEqual([status, { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDto' } } }]);
    }
    expect(document.components?.schemas?.ProblemDto).toMatchObject({ required: ['type', 'title', 'status'] });
  });

  it('is the same document when built twice (the metadata it adds is not added again)', () => {
    const again = buildOpenApiDocument(app, { name: 'things-service', version: '1', port: 0, description: 'things' });
    expect(again).toEqual(document);
  });
});
