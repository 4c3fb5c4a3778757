import { Logger } from '@nestjs/common';
import { Lifecycle } from '@ecotrack/core';
import type { FieldKeyRewrap } from './field-key-rewrap';
import { FieldKeyRewrapSchedule } from './field-key-rewrap';

/** The schedule alone (fake timers, a fake job): when the job runs and when not. */
describe('FieldKeyRewrapSchedule', () => {
  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function setup(config: { FIELD_KEY_REWRAP_INTERVAL_SECONDS?: number; FIELD_KEY_REWRAP_BATCH_SIZE?: number }, ready = true) {
    const lifecycle = new Lifecycle();
    if (ready) lifecycle.markReady();
    const job = { rewrapAllExclusive: jest.fn(async () => undefined) };
    const schedule = new FieldKeyRewrapSchedule(job as unknown as FieldKeyRewrap, lifecycle, config);
    return { schedule, job, lifecycle };
  }

  it('runs 30 s after start-up, then every interval (default hourly, batch 100)', async () => {
    const { schedule, job } = setup({});
    schedule.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(29_999);
    expect(job.rewrapAllExclusive).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(job.rewrapAllExclusive).toHaveBeenCalledWith(100);
    await jest.advanceTimersByTimeAsync(3_600_000);
    expect(job.rewrapAllExclusive).toHaveBeenCalledTimes(2);
    await schedule.beforeApplicationShutdown();
  });

  it('follows the configuration, and an interval below 30 s starts sooner', async () => {
    const { schedule, job } = setup({ FIELD_KEY_REWRAP_INTERVAL_SECONDS: 10, FIELD_KEY_REWRAP_BATCH_SIZE: 7 });
    schedule.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(20_000);
    expect(job.rewrapAllExclusive.mock.calls).toEqual([[7], [7]]);
    await schedule.beforeApplicationShutdown();
  });

  it('0 turns it off', async () => {
    const { schedule, job } = setup({ FIELD_KEY_REWRAP_INTERVAL_SECONDS: 0 });
    schedule.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(10 * 3_600_000);
    expect(job.rewrapAllExclusive).not.toHaveBeenCalled();
  });

  it('waits while the service is not ready yet, and a failed run does not stop the schedule', async () => {
    const { schedule, job, lifecycle } = setup({ FIELD_KEY_REWRAP_INTERVAL_SECONDS: 60 }, false);
    job.rewrapAllExclusive.mockRejectedValueOnce(new Error('OpenBao transit/keys/personal-fields: connect ECONNREFUSED'));
    schedule.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(30_000);
    expect(job.rewrapAllExclusive).not.toHaveBeenCalled();
    lifecycle.markReady();
    await jest.advanceTimersByTimeAsync(30_000);
    expect(job.rewrapAllExclusive).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(job.rewrapAllExclusive).toHaveBeenCalledTimes(2);
    await schedule.beforeApplicationShutdown();
  });

  it('stops at shutdown, after the run under way', async () => {
    const { schedule, job } = setup({ FIELD_KEY_REWRAP_INTERVAL_SECONDS: 60 });
    let finish: () => void = () => undefined;
    job.rewrapAllExclusive.mockImplementationOnce(() => new Promise((resolve) => (finish = () => resolve(undefined))));
    schedule.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(30_000);
    let stopped = false;
    const stopping = schedule.beforeApplicationShutdown().then(() => (stopped = true));
    await Promise.resolve();
    expect(stopped).toBe(false);
    finish();
    await stopping;
    await jest.advanceTimersByTimeAsync(10 * 60_000);
    expect(job.rewrapAllExclusive).toHaveBeenCalledTimes(1);
  });
});
