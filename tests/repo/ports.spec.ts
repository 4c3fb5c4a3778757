import { portName, portTable, SERVICES, WORKSPACE_ROOT, type ServiceName } from '@ecotrack/testing';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { LOCAL_PORTS } from '../../loadtests/k6/lib/local-ports';

/**
 * Ports are defined once, in tools/ports.env. The scripts read it (tools/lib/ports.sh), and so does
 * libs/testing; what cannot read it (docker-compose.yml, the committed Prometheus config, the chart's
 * values, each service's own default PORT and the k6 scripts' defaults) must agree with it.
 */
const read = (file: string) => readFileSync(path.join(WORKSPACE_ROOT, file), 'utf8');
const table = portTable();
const compose = parse(read('docker-compose.yml'), { merge: true });
/** The host ports a compose service publishes on 127.0.0.1: "127.0.0.1:HOST:CONTAINER". */
const published = (service: string): number[] =>
  (compose.services[service].ports as string[]).map((mapping) => {
    const [address, host, container] = mapping.split(':');
    expect([address, host]).toEqual(['127.0.0.1', container]);
    return Number(host);
  });
/** Runs bash with the port table's helpers loaded, in a clean environment but for `env`. */
const bash = (script: string, env: Record<string, string> = {}) =>
  execFileSync('bash', ['-c', `source tools/lib/ports.sh; ${script}`], { cwd: WORKSPACE_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH, ...env } }).trim();

describe('the port table (tools/ports.env)', () => {
  it('names every component, mock and service once, each on its own port', () => {
    const names = read('tools/ports.env').split('\n').filter((line) => /^[A-Z]/.test(line)).map((line) => line.split('=')[0]);
    expect(names).toEqual([...new Set(names)]);
    expect(Object.keys(table)).toEqual(names);
    for (const name of ['POSTGRES', 'REDIS', 'KAFKA', 'OPENBAO', 'PROMETHEUS', 'JAEGER', 'OTLP_GRPC', 'OTLP_HTTP', 'STRIPE_MOCK', 'MAILPIT', 'MAILPIT_SMTP']) {
      expect(table).toHaveProperty(name);
    }
    for (const service of SERVICES) expect(table).toHaveProperty(portName(service));
    // The ports each one uses besides its own: OpenBao's cluster address and stripe-mock's HTTPS.
    const used = [...Object.values(table), table.OPENBAO + 1, table.STRIPE_MOCK + 1];
    expect(used).toEqual([...new Set(used)]);
  });

  it('is what the scripts read, and ECOTRACK_<NAME>_PORT moves one', () => {
    expect(bash('port POSTGRES; service_port order-service')).toBe(`${table.POSTGRES}\n${table.ORDER_SERVICE}`);
    expect(bash('port POSTGRES; port_default POSTGRES; service_port order-service', { ECOTRACK_POSTGRES_PORT: '15432', ECOTRACK_ORDER_SERVICE_PORT: '13003' }))
      .toBe(`15432\n${table.POSTGRES}\n13003`);
    expect(() => bash('port NO_SUCH')).toThrow(/no port NO_SUCH/);
  });

  it('agrees with the ports docker-compose.yml publishes', () => {
    expect(published('postgres')).toEqual([table.POSTGRES]);
    expect(published('redis')).toEqual([table.REDIS]);
    expect(published('kafka')).toEqual([table.KAFKA]);
    expect(published('openbao')).toEqual([table.OPENBAO]);
    expect(published('prometheus')).toEqual([table.PROMETHEUS]);
    expect(published('jaeger')).toEqual([table.JAEGER, table.OTLP_GRPC, table.OTLP_HTTP]);
    for (const service of SERVICES) {
      expect([service, published(service)]).toEqual([service, [table[portName(service)]]]);
      expect([service, Number(compose.services[service].environment.PORT)]).toEqual([service, table[portName(service)]]);
    }
  });

  it('agrees with the committed Prometheus config, and the native one follows the overrides', () => {
    const config = parse(read('tools/stack/prometheus/prometheus.yml'));
    const targets = (job: string): string[] =>
      config.scrape_configs.find((c: { job_name: string }) => c.job_name === job).static_configs.flatMap((s: { targets: string[] }) => s.targets);
    expect(targets('prometheus')).toEqual([`localhost:${table.PROMETHEUS}`]);
    expect(targets('ecotrack')).toEqual(SERVICES.map((service) => `${service}:${table[portName(service)]}`));

    const native = execFileSync('bash', ['-c', 'ROOT=$PWD; source tools/stack/lib/common.sh; source tools/stack/components/prometheus.sh; prometheus_config'], {
      cwd: WORKSPACE_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ECOTRACK_STATE_DIR: '/nonexistent', ECOTRACK_PROMETHEUS_PORT: '19090', ECOTRACK_PAYMENT_SERVICE_PORT: '13004' },
    });
    const nativeTargets = parse(native).scrape_configs.flatMap((c: { static_configs: { targets: string[] }[] }) => c.static_configs.flatMap((s) => s.targets));
    expect(nativeTargets).toEqual([
      '127.0.0.1:19090',
      ...SERVICES.map((service) => `127.0.0.1:${service === 'payment-service' ? 13004 : table[portName(service)]}`),
      `127.0.0.1:${table.BACKUP_AGENT}`, // the backup agent, native stack only
    ]);
  });

  it("agrees with each service's default PORT and the chart's service ports", () => {
    const values = parse(read('helm/ecotrack/values.yaml'));
    for (const service of SERVICES) {
      const own = /\bport: (\d+),/.exec(read(`apps/${service}/src/service.ts`))?.[1];
      expect([service, Number(own)]).toEqual([service, table[portName(service as ServiceName)]]);
      expect([service, values.services[service].port]).toEqual([service, table[portName(service)]]);
    }
  });

  it("agrees with the k6 scripts' local defaults (k6 cannot read the file)", () => {
    expect(LOCAL_PORTS).toEqual(Object.fromEntries(SERVICES.map((service) => [service, table[portName(service)]])));
  });
});
