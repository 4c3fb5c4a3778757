import { BadRequestException, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { Observable } from 'rxjs';
import { problem, ProblemType } from '../errors/problem';

/** Parameter kinds through which a handler reads the request body: @Body(), @Req() (raw-body webhooks), @RawBody(). */
const READS_BODY = new Set<number>([RouteParamtypes.BODY, RouteParamtypes.REQUEST, RouteParamtypes.RAW_BODY]);

/** Whether a handler declares a parameter that reads the body; from the metadata Nest's own decorators write. */
export function handlerReadsBody(controller: object, handlerName: string): boolean {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, handlerName) ?? {}) as Record<string, unknown>;
  // Keys are `<paramtype>:<index>` (custom decorators: `<uuid>__customRouteArgs__:<index>`, never a body here).
  return Object.keys(args).some((key) => READS_BODY.has(Number(key.split(':')[0])));
}

const isEmpty = (body: unknown) =>
  body === undefined || body === null || body === '' || (typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0);

/**
 * Refuses a request body on an operation that takes none (POST /v1/orders/{id}/cancel, .../capture, ...).
 *
 * Why: the global ValidationPipe only sees @Body() parameters, so on such a route a body,
 * however wrong, was silently ignored and the operation ran. A client sending one has
 * misunderstood the API (an old version, the wrong route); we say so with a 400 before
 * anything is written. An absent body or `{}` stays accepted (what many clients send on a
 * bare POST); handlers that read the request itself (@Req(), raw-body webhooks) are left alone.
 */
@Injectable()
export class BodylessRouteInterceptor implements NestInterceptor {
  private readonly readsBody = new WeakMap<(...args: never[]) => unknown, boolean>();

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const handler = context.getHandler() as (...args: never[]) => unknown;
    let reads = this.readsBody.get(handler);
    if (reads === undefined) {
      reads = handlerReadsBody(context.getClass(), handler.name);
      this.readsBody.set(handler, reads);
    }
    if (!reads && !isEmpty(context.switchToHttp().getRequest<{ body?: unknown }>().body)) {
      throw new BadRequestException(
        problem(400, { type: ProblemType.unexpectedBody, title: 'Unexpected request body', detail: 'this operation takes no request body' }),
      );
    }
    return next.handle();
  }
}
