import net from 'node:net';
import { isWorkload, render } from './support/chart';
import { plan, probe, type WaitCheck } from '../wait-for';

/**
 * tools/k8s/wait-for.js against real servers (the integration stack's PostgreSQL, Redis and Kafka)
 * and against what an Istio sidecar is when nothing is behind it: a listener that accepts every
 * connection and closes it once the client speaks. The protocol checks must pass on the former
 * and fail on the latter, where a bare TCP connect passes (why the chart never uses one).
 */
const stackTargets = () => ({
  DATABASE_URL: process.env.PRODUCT_SERVICE_DATABASE_URL,
  REDIS_URL: process.env.REDIS_URL,
  KAFKA_BROKERS: process.env.KAFKA_BROKERS,
});

/** The chart's own infrastructure wait targets (templates/_pod.tpl; openbaoAuth off: PostgreSQL, Redis and Kafka). */
function chartTargets(): string[] {
  const workload = render('prod', ['--set', 'openbaoAuth.enabled=false']).find((o) => isWorkload(o) && o.metadata.name === 'product-service')!;
  const init = (workload.spec as { template: { spec: { initContainers: Array<{ name: string; command: string[] }> } } }).template.spec.initContainers;
  const command = init.find((c) => c.name === 'wait-for-infrastructure')!.command;
  return command.slice(command.indexOf('tools/k8s/wait-for.js') + 1).filter((part) => !part.startsWith('--'));
}

describe('wait-for.js', () => {
  let sidecar: net.Server;
  let sidecarPort: number;

  beforeAll(async () => {
    sidecar = net.createServer((socket) => {
      socket.on('data', () => socket.end());
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => sidecar.listen(0, '127.0.0.1', resolve));
    sidecarPort = (sidecar.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => sidecar.close(() => resolve())));

  it("plans the chart's targets as protocol checks, never bare TCP", () => {
    const checks = plan(chartTargets(), stackTargets());
    expect(checks.length).toBeGreaterThanOrEqual(3);
    expect(checks.filter((check) => check.protocol === 'tcp').map((check) => check.label)).toEqual([]);
  });

  it('passes against PostgreSQL, Redis and Kafka themselves', async () => {
    for (const check of plan(chartTargets(), stackTargets())) await expect(probe(check)).resolves.toBeUndefined();
  });

  it('fails against a sidecar with nothing behind it, where a bare TCP connect passes', async () => {
    const at = (protocol: WaitCheck['protocol']): WaitCheck => ({ label: protocol, protocol, host: '127.0.0.1', port: sidecarPort });
    for (const protocol of ['postgres', 'redis', 'kafka'] as const) await expect(probe(at(protocol))).rejects.toThrow('connection closed without an answer');
    await expect(probe(at('tcp'))).resolves.toBeUndefined();
  });

  it('fails against the wrong server (PostgreSQL asked of Redis)', async () => {
    const [redis] = plan(['env:REDIS_URL'], stackTargets());
    await expect(probe({ ...redis, protocol: 'postgres' })).rejects.toThrow();
  });

  it('never prints a login', () => {
    const labels = plan(chartTargets(), stackTargets()).map((check) => check.label);
    expect(labels.join(' ')).not.toMatch(/@|password/i);
    expect(plan(['postgres://owner:secret@db.example:5432/app'])[0].label).toBe('postgres://db.example:5432');
  });
});
