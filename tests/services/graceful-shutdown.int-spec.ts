import { serviceEnv, spawnService } from '@ecotrack/testing';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * SIGTERM under a steady stream of requests. The test plays the load balancer:
 * it polls readiness and stops routing new requests to the instance once it
 * answers 503, exactly what Kubernetes endpoints do. Not one request may fail.
 */
describe('graceful shutdown', () => {
  it('turns unready first, serves everything in flight, exits 0', async () => {
    const proc = spawnService('product-service', 13106, {
      ...serviceEnv(process.env as Record<string, string>, 'product-service'),
      SHUTDOWN_DRAIN_DELAY_MS: '1500',
      SHUTDOWN_GRACE_PERIOD_MS: '10000',
      // This test is one load balancer sending hundreds of requests per second from
      // 127.0.0.1, far past the production per-IP default (300/min); shutdown, not rate
      // limiting, is under test here (spawnService gives the process its own counters).
      RATE_LIMIT_IP_PER_MINUTE: '1000000',
    });
    await proc.waitUntilReady();

    let routable = true;
    let sigtermAt = 0;
    let unreadyAt = 0;
    const outcomes: { ok: boolean; status: number; at: number; error?: string }[] = [];

    const worker = async () => {
      while (routable) {
        try {
          const response = await fetch(`${proc.baseUrl}/v1/products?limit=5`);
          await response.arrayBuffer();
          outcomes.push({ ok: response.ok, status: response.status, at: Date.now() });
        } catch (error) {
          outcomes.push({ ok: false, status: 0, at: Date.now(), error: String((error as Error).cause ?? error) });
        }
      }
    };
    const readinessProbe = async () => {
      while (routable) {
        const status = await fetch(`${proc.baseUrl}/health/ready`).then((r) => r.status, () => 0);
        if (status !== 200) {
          unreadyAt = Date.now();
          routable = false; // taken out of rotation
          expect(status).toBe(503); // the server still answers: it said "unready", it did not vanish
        }
        await sleep(50);
      }
    };

    const load = Promise.all([...Array.from({ length: 8 }, worker), readinessProbe()]);
    await sleep(1_000);
    sigtermAt = Date.now();
    proc.child.kill('SIGTERM');
    await load;
    const exitCode = await proc.exited;

    const failures = outcomes.filter((o) => !o.ok);
    expect(failures).toEqual([]);
    expect(outcomes.length).toBeGreaterThan(50);
    expect(unreadyAt).toBeGreaterThanOrEqual(sigtermAt);
    // Requests sent after SIGTERM (before the probe noticed) were still served.
    expect(outcomes.some((o) => o.at > sigtermAt)).toBe(true);
    expect(exitCode).toBe(0);
    const logs = proc.stdout.join('\n');
    expect(logs).toContain('SIGTERM received: readiness is 503');
    expect(logs).toContain('shutdown complete');
  }, 60_000);
});
