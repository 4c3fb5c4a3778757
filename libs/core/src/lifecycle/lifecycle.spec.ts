import { Lifecycle } from './lifecycle';

describe('Lifecycle.whenReady', () => {
  it('resolves true once the service is ready, for every waiter, and at once when it already is', async () => {
    const lifecycle = new Lifecycle();
    const settled: boolean[] = [];
    const first = lifecycle.whenReady().then((ready) => settled.push(ready));
    const second = lifecycle.whenReady(new AbortController().signal).then((ready) => settled.push(ready));
    await Promise.resolve();
    expect(settled).toEqual([]);
    lifecycle.markReady();
    await Promise.all([first, second]);
    expect(settled).toEqual([true, true]);
    await expect(lifecycle.whenReady()).resolves.toBe(true);
  });

  it('resolves false when the service drains before it was ready, or after', async () => {
    const lifecycle = new Lifecycle();
    const waiting = lifecycle.whenReady();
    lifecycle.beginDraining();
    await expect(waiting).resolves.toBe(false);
    await expect(lifecycle.whenReady()).resolves.toBe(false);
    lifecycle.markReady();
    expect(lifecycle.phase).toBe('draining');
  });

  it("resolves false when the waiter's signal aborts, and ignores the readiness that follows", async () => {
    const lifecycle = new Lifecycle();
    const shutdown = new AbortController();
    const waiting = lifecycle.whenReady(shutdown.signal);
    shutdown.abort();
    await expect(waiting).resolves.toBe(false);
    await expect(lifecycle.whenReady(shutdown.signal)).resolves.toBe(false);
    lifecycle.markReady();
    await expect(lifecycle.whenReady(shutdown.signal)).resolves.toBe(true);
  });
});
