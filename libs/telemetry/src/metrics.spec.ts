import Fastify from 'fastify';
import { createMetricsRegistry, instrumentHttpServer } from './metrics';

describe('HTTP metrics', () => {
  it('observes duration by route template, method and status (in-memory requests, no network)', async () => {
    const registry = createMetricsRegistry('test-service');
    const server = Fastify();
    instrumentHttpServer(server, registry);
    server.get('/v1/products/:id', async (request, reply) =>
      (request.params as { id: string }).id === 'missing' ? reply.code(404).send() : { ok: true },
    );
    await server.inject('/v1/products/a');
    await server.inject('/v1/products/b');
    await server.inject('/v1/products/missing');
    await server.inject('/nowhere');

    const text = await registry.metrics();
    const count = (labels: string) =>
      Number(new RegExp(`http_server_request_duration_seconds_count\\{${labels}\\} (\\d+)`).exec(text)?.[1] ?? 0);
    expect(count('service="test-service",method="GET",route="/v1/products/:id",status_code="200"')).toBe(2);
    expect(count('service="test-service",method="GET",route="/v1/products/:id",status_code="404"')).toBe(1);
    // Unknown paths share one label value instead of one series per URL.
    expect(count('service="test-service",method="GET",route="unmatched",status_code="404"')).toBe(1);
    expect(text).toContain('process_cpu_user_seconds_total');
    await server.close();
  });
});
