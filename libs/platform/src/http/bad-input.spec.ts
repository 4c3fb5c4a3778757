import 'reflect-metadata';
import { Body, Controller, Get, Module, Param, Post, Query } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Type } from 'class-transformer';
import { IsObject, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { Public } from '../auth/decorators';
import { createService } from '../bootstrap';
import { platformConfigSchema } from '../config/config';
import { ProblemType } from '../errors/problem';
import { MAX_JSON_DEPTH, tooDeeplyNested } from './json-body';
import { PageQuery } from './page-query';
import { findUnstorableText } from './request-text';

describe('findUnstorableText', () => {
  it.each([
    ['a NUL character', { name: 'a\u0000b' }, 'name'],
    ['a lone high surrogate', { items: [{ label: 'ok' }, { label: 'x\ud800' }] }, 'items.1.label'],
    ['a lone low surrogate', { note: '\udc00y' }, 'note'],
    ['a NUL in a key', { data: { 'k\u0000': 1 } }, 'data.k\\u0000'],
  ])('finds %s and names the field', (_kind, value, field) => {
    expect(findUnstorableText(value)).toMatchObject({ field });
  });

  it('lets paired surrogates (emoji), other control characters and non-strings through', () => {
    expect(findUnstorableText({ name: 'Ada 🌱', tab: 'a\tb', n: 1, nested: [null, true, { x: 'é' }] })).toBeUndefined();
  });

  it('names a bare value by the name it came under', () => {
    expect(findUnstorableText('a\u0000', 'id')).toEqual({ field: 'id', message: 'id contains a NUL character' });
  });
});

describe('tooDeeplyNested', () => {
  const nest = (depth: number): unknown => (depth === 0 ? 'leaf' : { a: nest(depth - 1) });

  it(`allows ${MAX_JSON_DEPTH} levels and names the field where the next one starts`, () => {
    expect(tooDeeplyNested(nest(MAX_JSON_DEPTH))).toBeUndefined();
    const deep = tooDeeplyNested({ data: nest(MAX_JSON_DEPTH) });
    expect(deep?.field).toBe(`data${'.a'.repeat(MAX_JSON_DEPTH - 1)}`);
  });
});

class ItemDto {
  @IsString() @MaxLength(50) label: string;
}
class ThingDto {
  @IsString() @MaxLength(120) name: string;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => ItemDto) item?: ItemDto;
  @IsOptional() @IsObject() data?: Record<string, unknown>;
}
class SearchQuery extends PageQuery {
  @IsOptional() @IsString() q?: string;
}

const written: unknown[] = [];

@Public()
@Controller('v1/things')
class ThingsController {
  @Post()
  create(@Body() body: ThingDto) {
    written.push(body);
    return body;
  }

  @Get()
  search(@Query() query: SearchQuery) {
    return query;
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return { id };
  }
}

@Module({ controllers: [ThingsController] })
class ThingsModule {}

/** The real bootstrap (parsers, pipe, problem filter), in memory: requests through app.inject. */
describe('bad input through the service bootstrap: 400 problem+json naming the field, nothing reaches the handler', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    const config = platformConfigSchema.parse({ DATABASE_URL: 'postgres://h/db', REDIS_URL: 'redis://h:6379', KAFKA_BROKERS: 'h:9092', LOG_LEVEL: 'silent' });
    app = await createService({ name: 'things-service', version: '1', port: 0, description: 'things', module: ThingsModule }, config);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(() => app.close());
  beforeEach(() => (written.length = 0));

  const expectProblem = (response: { statusCode: number; headers: Record<string, unknown>; json: () => unknown }, field: string) => {
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ status: 400, type: ProblemType.validation, errors: [expect.objectContaining({ field })] });
  };
  const post = (payload: string) => app.inject({ method: 'POST', url: '/v1/things', headers: { 'content-type': 'application/json' }, payload });

  it.each([
    ['NUL in a body field', '{"name":"a\\u0000b"}', 'name'],
    ['a lone surrogate in a nested field', '{"name":"ok","item":{"label":"\\ud83d"}}', 'item.label'],
    ['NUL inside free-form data', '{"name":"ok","data":{"note":"\\u0000"}}', 'data.note'],
    ['JSON nested too deep', `{"name":"ok","data":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`, `data${'.a'.repeat(MAX_JSON_DEPTH - 1)}`],
  ])('%s', async (_kind, payload, field) => {
    expectProblem(await post(payload), field);
    expect(written).toEqual([]);
  });

  it('NUL or a lone surrogate in a query or path parameter', async () => {
    expectProblem(await app.inject({ method: 'GET', url: '/v1/things?q=a%00b' }), 'q');
    expectProblem(await app.inject({ method: 'GET', url: '/v1/things/a%00b' }), 'id');
  });

  it('a path that is not UTF-8 is a 400 problem too', async () => {
    const response = await app.inject({ method: 'GET', url: '/v1/things/%ED%A0%80' });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('keeps accepting what is fine, emoji included, and the raw bytes for signatures', async () => {
    const response = await post('{"name":"Ada 🌱","data":{"a":{"b":[1,2]}}}');
    expect(response.statusCode).toBe(201);
    expect(written).toEqual([{ name: 'Ada 🌱', data: { a: { b: [1, 2] } } }]);
  });

  it('still refuses prototype poisoning and malformed JSON as before', async () => {
    expect((await post('{"name":"x","__proto__":{"admin":true}}')).statusCode).toBe(400);
    const malformed = await post('{"name":');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
