import { fixKafkajsIdleSpin } from './request-queue-fix';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the internal module the fix replaces a method of
const RequestQueue = require('kafkajs/src/network/requestQueue');

function queue(): { throttledUntil: number; pending: unknown[]; throttleCheckTimeoutId: NodeJS.Timeout | null; scheduleCheckPendingRequests(): void; destroy(): void } {
  const noop = () => undefined;
  const logger = { debug: noop, info: noop, warn: noop, error: noop };
  return new RequestQueue({ instrumentationEmitter: { emit: noop }, maxInFlightRequests: 1, requestTimeout: 30_000, enforceRequestTimeout: false, clientId: 'spec', broker: 'spec:9092', logger });
}

describe('the kafkajs idle-spin fix', () => {
  afterEach(() => jest.useRealTimers());

  it('applies to the installed kafkajs (an upgrade that changes RequestQueue makes this fail: check whether the fix is still needed)', () => {
    expect(fixKafkajsIdleSpin()).toBe(true);
  });

  it('arms no timer when nothing is pending and nothing is throttled (kafkajs 2.2.4 re-armed a 1 ms one forever)', () => {
    const idle = queue();
    idle.scheduleCheckPendingRequests();
    expect(idle.throttleCheckTimeoutId).toBeNull();
  });

  it('still checks a waiting request soon, and a throttled queue when its throttle ends', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const waiting = queue();
    const check = jest.spyOn(waiting as unknown as { checkPendingRequests(): void }, 'checkPendingRequests').mockImplementation(() => undefined);
    waiting.pending.push({});
    waiting.scheduleCheckPendingRequests();
    jest.advanceTimersByTime(10);
    expect(check).toHaveBeenCalledTimes(1);

    const throttled = queue();
    const checkThrottled = jest.spyOn(throttled as unknown as { checkPendingRequests(): void }, 'checkPendingRequests').mockImplementation(() => undefined);
    throttled.throttledUntil = Date.now() + 500;
    throttled.scheduleCheckPendingRequests();
    jest.advanceTimersByTime(499);
    expect(checkThrottled).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(checkThrottled).toHaveBeenCalledTimes(1);
  });
});
