import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import type { FieldError } from '../errors/problem';
import { ValidationProblemException } from '../errors/validation';

/**
 * How deeply a JSON body may nest objects and arrays. Our own bodies need 3 levels and a
 * provider webhook (Stripe's events are the deepest) about 10; 32 leaves room for both. Past
 * it, a body of a megabyte could nest half a million levels, and every recursive walk that
 * follows (class-transformer, class-validator, jsonb) overflows the stack: a 500, before this.
 */
export const MAX_JSON_DEPTH = 32;

/** The first place where `value` nests deeper than `maxDepth`, named by its field path; undefined when it does not. */
export function tooDeeplyNested(value: unknown, maxDepth = MAX_JSON_DEPTH): FieldError | undefined {
  const walk = (node: unknown, depth: number, path: string): FieldError | undefined => {
    if (node === null || typeof node !== 'object') return undefined;
    if (depth > maxDepth) {
      const field = path || 'body';
      return { field, message: `${field} nests objects or arrays deeper than ${maxDepth} levels` };
    }
    for (const [key, child] of Object.entries(node)) {
      const found = walk(child, depth + 1, path ? `${path}.${key}` : key);
      if (found) return found;
    }
    return undefined;
  };
  return walk(value, 1, '');
}

/**
 * The body parsers every service gets, in place of the ones Nest registers at init (which it
 * then skips): JSON through Fastify's own parser (its prototype-poisoning protection stays),
 * refused with a 400 naming the field when nested deeper than MAX_JSON_DEPTH; form bodies as
 * one string per field (Twilio's callbacks). Both keep the exact bytes in request.rawBody (webhook signatures need them).
 */
export function installBodyParsers(app: NestFastifyApplication, bodyLimit: number): void {
  const fastify = app.getHttpAdapter().getInstance();
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  app.useBodyParser('application/json', { bodyLimit }, (request, body, done) => {
    parseJson(request as FastifyRequest, body.toString(), (error, parsed) => {
      if (error) return done(error, undefined);
      const deep = tooDeeplyNested(parsed);
      if (deep) return done(new ValidationProblemException([deep]), undefined);
      done(null, parsed);
    });
  });
  app.useBodyParser('application/x-www-form-urlencoded', { bodyLimit }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body.toString())));
  });
}
