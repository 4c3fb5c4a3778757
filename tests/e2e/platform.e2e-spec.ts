import { newTraceparent, SERVICE_PORTS, SERVICES, STATE_DIR, waitForTrace, waitUntil } from '@ecotrack/testing';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';

const url = (service: keyof typeof SERVICE_PORTS, route: string) => `http://127.0.0.1:${SERVICE_PORTS[service]}${route}`;

/** Each service's Kafka consumer groups: `up` waits until every one has joined (readiness checks them). */
const CONSUMER_GROUPS: Record<keyof typeof SERVICE_PORTS, string[]> = {
  'user-service': [],
  'product-service': ['product-service', 'product-service-cache'],
  'order-service': ['order-service'],
  'payment-service': ['payment-service'],
  'notification-service': ['notification-service'],
};

describe('the local stack (./ecotrack up)', () => {
  it.each(SERVICES)('%s is ready, its consumers in their groups, and documents its API', async (service) => {
    const ready = await fetch(url(service, '/health/ready'));
    expect(ready.status).toBe(200);
    const consumers = Object.fromEntries(CONSUMER_GROUPS[service].map((group) => [`consumer:${group}`, 'up']));
    expect(await ready.json()).toEqual({ status: 'ok', checks: { postgres: 'up', redis: 'up', kafka: 'up', openbao: 'up', ...consumers } });
    const metrics = await fetch(url(service, '/metrics')).then((r) => r.text());
    for (const group of CONSUMER_GROUPS[service]) expect(metrics).toMatch(new RegExp(`^ecotrack_consumer_in_group\\{group="${group}",service="${service}"\\} 1$`, 'm'));
    const openapi = (await fetch(url(service, '/docs/openapi.json')).then((r) => r.json())) as { info: { title: string } };
    expect(openapi.info.title).toBe(service);
    expect((await fetch(url(service, '/docs'))).headers.get('content-type')).toContain('text/html');
  });

  it.each(SERVICES)('%s exposes the HTTP histogram and process metrics', async (service) => {
    await fetch(url(service, '/health/live'));
    const metrics = await fetch(url(service, '/metrics')).then((r) => r.text());
    expect(metrics).toMatch(/^http_server_request_duration_seconds_bucket\{.*route="\/health\/live".*\} \d+/m);
    expect(metrics).toMatch(/^process_cpu_user_seconds_total\{service="[a-z-]+"\} [\d.]+/m);
    expect(metrics).toMatch(/^process_resident_memory_bytes/m);
    expect(metrics).toMatch(/^nodejs_eventloop_lag_seconds/m);
  });

  it('Prometheus scrapes all five services and reports them up', async () => {
    const servicesUp = async () => {
      const body = (await fetch(`${process.env.PROMETHEUS_URL}/api/v1/targets?state=active`).then((r) => r.json())) as {
        data: { activeTargets: { labels: Record<string, string>; health: string }[] };
      };
      return body.data.activeTargets.filter((t) => t.labels.job === 'ecotrack' && t.health === 'up').map((t) => t.labels.service);
    };
    const up = await waitUntil('Prometheus to report all five services up', servicesUp, (services) => services.length === SERVICES.length, { timeoutMs: 60_000, intervalMs: 1_000 });
    expect(up.sort()).toEqual([...SERVICES].sort());
  }, 70_000);

  describe('a request crossing order-service and product-service', () => {
    const sku = `E2E-${Date.now()}`;
    let productId: string;
    let db: Client;

    beforeAll(async () => {
      db = new Client({ connectionString: process.env.PRODUCT_SERVICE_DATABASE_URL });
      await db.connect();
      const { rows } = await db.query(
        `INSERT INTO products (sku, name, category, price_cents, currency, carbon_kg_co2e, stock)
         VALUES ($1, 'Organic cotton tote', 'bags', 1250, 'EUR', 0.8, 40) RETURNING id`,
        [sku],
      );
      productId = rows[0].id;
    });
    afterAll(async () => {
      await db.query('DELETE FROM products WHERE sku = $1', [sku]);
      await db.end();
    });

    it('is ONE trace with spans of both services, and both services log its trace_id', async () => {
      const { traceId, traceparent } = newTraceparent();
      const response = await fetch(url('order-service', '/v1/quotes'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', traceparent },
        body: JSON.stringify({ items: [{ productId, quantity: 3 }] }),
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ totalCents: 3750, currency: 'EUR', carbonKgCo2e: 2.4 });

      const trace = await waitForTrace(process.env.JAEGER_QUERY_URL!, traceId, ['order-service', 'product-service']);
      const services = new Set(trace.spans.map((s) => trace.processes[s.processID].serviceName));
      expect([...services].sort()).toEqual(['order-service', 'product-service']);
      expect(trace.spans.every((s) => s.traceID === traceId)).toBe(true);

      for (const service of ['order-service', 'product-service']) {
        const lines = readFileSync(path.join(STATE_DIR, 'logs', `${service}.log`), 'utf8').split('\n');
        const matching = lines.filter((line) => line.includes(traceId)).map((line) => JSON.parse(line));
        expect(matching.length).toBeGreaterThan(0);
        expect(matching.every((entry) => entry.trace_id === traceId && entry.service === service)).toBe(true);
      }
    }, 45_000);
  });
});
