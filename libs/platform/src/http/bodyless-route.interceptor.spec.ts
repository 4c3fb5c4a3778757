import 'reflect-metadata';
import { BadRequestException, Body, Param, Post, Req, type CallHandler, type ExecutionContext } from '@nestjs/common';
import { of } from 'rxjs';
import { CurrentUser } from '../auth/decorators';
import { ProblemType } from '../errors/problem';
import { BodylessRouteInterceptor, handlerReadsBody } from './bodyless-route.interceptor';

class ThingsController {
  @Post()
  create(@Body() _body: unknown) {
    return 'created';
  }

  @Post(':id/cancel')
  cancel(@Param('id') _id: string, @CurrentUser() _user: unknown) {
    return 'cancelled';
  }

  @Post('webhook')
  webhook(@Req() _request: unknown) {
    return 'received';
  }

  @Post('ping')
  ping() {
    return 'pong';
  }
}

function call(handler: keyof ThingsController, body: unknown) {
  const context = {
    getType: () => 'http',
    getClass: () => ThingsController,
    getHandler: () => ThingsController.prototype[handler],
    switchToHttp: () => ({ getRequest: () => ({ body }) }),
  } as unknown as ExecutionContext;
  const next: CallHandler = { handle: () => of('handled') };
  return () => new BodylessRouteInterceptor().intercept(context, next);
}

describe('BodylessRouteInterceptor', () => {
  it('knows which handlers read the body: @Body() and @Req(), not @Param() or custom decorators', () => {
    expect(handlerReadsBody(ThingsController, 'create')).toBe(true);
    expect(handlerReadsBody(ThingsController, 'webhook')).toBe(true);
    expect(handlerReadsBody(ThingsController, 'cancel')).toBe(false);
    expect(handlerReadsBody(ThingsController, 'ping')).toBe(false);
  });

  it.each([[undefined], [null], [''], [{}]])('lets an operation without a body parameter run with an empty body (%p)', (body) => {
    expect(call('cancel', body)).not.toThrow();
  });

  it.each([[{ unexpected: 1 }], [[1]], ['text']])('answers 400 "takes no request body" to a body on such an operation (%p)', (body) => {
    expect(call('cancel', body)).toThrow(BadRequestException);
    expect(call('ping', body)).toThrow(BadRequestException);
    try {
      call('cancel', body)();
    } catch (error) {
      expect((error as BadRequestException).getResponse()).toMatchObject({ status: 400, type: ProblemType.unexpectedBody, detail: 'this operation takes no request body' });
    }
  });

  it('leaves handlers that take a body, or read the request themselves, to their own validation', () => {
    expect(call('create', { anything: 1 })).not.toThrow();
    expect(call('webhook', { anything: 1 })).not.toThrow();
  });
});
