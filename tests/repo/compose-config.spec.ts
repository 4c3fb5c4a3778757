import { ConfigError, loadConfig, type ConfigExtension } from '@ecotrack/platform';
import { openBaoSettings, type OpenBaoSettings } from '@ecotrack/secrets';
import { SERVICES, WORKSPACE_ROOT, type ServiceName } from '@ecotrack/testing';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { notificationConfig } from '../../apps/notification-service/src/config';
import { orderConfig } from '../../apps/order-service/src/config';
import { paymentConfig } from '../../apps/payment-service/src/config';
import { productConfig } from '../../apps/product-service/src/config';
import { userConfig } from '../../apps/user-service/src/config';
import { SCRIPTS as IMAGE_SCRIPTS } from '../../tools/images/closure';

/**
 * docker-compose.yml's "apps" profile against the code: each service's environment, built as
 * compose builds it (merge keys, ${VAR} interpolation with the variables tools/stack writes into
 * compose.env and the file's own defaults), must satisfy that service's own config schema (as
 * loadServiceConfig reads it: the environment over what OpenBao's KV adds) and its OpenBao
 * settings (libs/secrets), with an AppRole that openbao-init (tools/openbao/configure.sh) sets
 * up and a secret-id file on a volume that openbao-init fills. Every app waits for its
 * migrations (the image's tools/run/migrate.js with the owner login) and for what it reaches,
 * and has a healthcheck on its readiness. No Docker engine here: files only.
 */
const read = (file: string) => readFileSync(path.join(WORKSPACE_ROOT, file), 'utf8');
const compose = parse(read('docker-compose.yml'), { merge: true }) as ComposeFile;

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  profiles?: string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  env_file?: string | string[];
  volumes?: Array<string | { type: string; source?: string; target: string; read_only?: boolean; volume?: { subpath?: string } }>;
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test?: string[] | string };
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  networks?: { default?: { ipam?: { config?: Array<{ subnet?: string }> } } };
}

/** Each service's config extension, as its main.ts hands it to bootstrapService. */
const CONFIGS: Record<ServiceName, ConfigExtension | ((env: NodeJS.ProcessEnv) => ConfigExtension)> = {
  'user-service': userConfig,
  'product-service': productConfig,
  'order-service': orderConfig,
  'payment-service': paymentConfig,
  'notification-service': notificationConfig,
};

/** The variables tools/stack/lib/docker.sh writes into compose.env (its `echo "NAME=..."` lines, the service loop expanded). */
function composeEnvNames(): string[] {
  const shortNames = /^SERVICES=\(([^)]*)\)/m.exec(read('tools/stack/lib/common.sh'))![1].trim().split(/\s+/);
  return [...read('tools/stack/lib/docker.sh').matchAll(/echo "([A-Z0-9_]*(?:\$\{s\^\^\})?[A-Z0-9_]*)=/g)].flatMap(([, name]) =>
    name.includes('${s^^}') ? shortNames.map((s) => name.replace('${s^^}', s.toUpperCase())) : [name],
  );
}
const GIVEN = Object.fromEntries(composeEnvNames().map((name, i) => [name, `given${i}x${name.toLowerCase().replace(/_/g, '')}`]));

/** Compose's interpolation: $$, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}, ${VAR?err}, with compose.env's variables. */
function interpolate(value: string, where: string): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (match, name: string | undefined, op: string | undefined, arg: string | undefined) => {
    if (match === '$$') return '$';
    const set = GIVEN[name!];
    if (op?.endsWith('?')) {
      if (set === undefined) throw new Error(`${where}: \${${name}} is required, and tools/stack/lib/docker.sh does not write it into compose.env`);
      return set;
    }
    if (op?.endsWith('-')) return set ?? arg ?? '';
    if (set === undefined) throw new Error(`${where}: \${${name}} has no default, and tools/stack/lib/docker.sh does not write it into compose.env`);
    return set;
  });
}

function service(name: string): ComposeService {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

/** A service's environment as compose builds it: env_file first, then environment: over it, interpolated. */
function environmentOf(name: string): Record<string, string> {
  const svc = service(name);
  const env: Record<string, string> = {};
  for (const file of [svc.env_file ?? []].flat()) {
    for (const line of read(file).split('\n').filter((l) => /^[A-Za-z_]/.test(l))) {
      const [key, ...rest] = line.split('=');
      env[key] = interpolate(rest.join('='), `${name} env_file ${file}`);
    }
  }
  const entries = Array.isArray(svc.environment)
    ? svc.environment.map((item) => item.split('=') as [string, ...string[]]).map(([key, ...rest]) => [key, rest.length ? rest.join('=') : null] as const)
    : Object.entries(svc.environment ?? {});
  for (const [key, value] of entries) {
    // a variable without a value is taken from the shell that runs compose: not set here
    if (value !== null) env[key] = interpolate(String(value), `${name}.environment.${key}`);
  }
  return env;
}

const dependsOn = (name: string): Record<string, { condition: string }> => {
  const deps = service(name).depends_on ?? {};
  return Array.isArray(deps) ? Object.fromEntries(deps.map((d) => [d, { condition: 'service_started' }])) : deps;
};

/** What configure.sh seeds into each service's KV entry from its own environment ("$VAR" values), as the service reads it (upper case). */
function kvSeed(initEnv: Record<string, string>): Record<string, string> {
  const pairs = /^\s*pairs=\(([^)]*)\)/m.exec(read('tools/openbao/configure.sh'))![1].trim().split(/\s+/);
  const seed: Record<string, string> = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    const variable = /^"\$([A-Z_]+)"$/.exec(pairs[i + 1])?.[1];
    // generated values (service credentials) are optional in every schema: left out
    if (variable && initEnv[variable] !== undefined) seed[pairs[i].toUpperCase()] = initEnv[variable];
  }
  return seed;
}

const INIT = 'openbao-init';
/** The AppRole layout openbao-init's script (tools/stack/compose/openbao-init/init.sh) writes: <export dir>/<service>/secret-id. */
const SECRET_ID_LAYOUT = (svc: string) => `${svc}/secret-id`;
const lib = read('deploy/openbao/lib.sh');
const OPENBAO_SERVICES = /^ECOTRACK_SERVICES=\(([^)]*)\)/m.exec(lib)![1].trim().split(/\s+/);

/** Hosts and ports an environment points at: URLs and host:port lists (KAFKA_BROKERS). */
function addresses(env: Record<string, string>): Array<{ variable: string; host: string; port?: number }> {
  return Object.entries(env).flatMap(([variable, value]) => {
    if (/^[a-z][a-z0-9+.-]*:\/\//.test(value)) {
      const url = new URL(value);
      return [{ variable, host: url.hostname, port: url.port ? Number(url.port) : undefined }];
    }
    if (/^[\w.-]+:\d+(,[\w.-]+:\d+)*$/.test(value)) return value.split(',').map((pair) => ({ variable, host: pair.split(':')[0], port: Number(pair.split(':')[1]) }));
    return [];
  });
}

describe('docker-compose.yml "apps": each service against its own code', () => {
  it('runs the five services in the apps profile', () => {
    for (const svc of SERVICES) expect([svc, service(svc).profiles]).toEqual([svc, ['apps']]);
  });

  describe.each(SERVICES)('%s', (svc) => {
    it("its environment satisfies its config schema and OpenBao settings (with what OpenBao's KV adds)", () => {
      const env = environmentOf(svc);
      const problems: string[] = [];
      try {
        if (!openBaoSettings(env, svc)) problems.push('OPENBAO_ADDR: not set (the services read their secrets from OpenBao)');
      } catch (error) {
        problems.push(String((error as Error).message));
      }
      const merged = { ...(compose.services[INIT] ? kvSeed(environmentOf(INIT)) : {}), ...env };
      const config = CONFIGS[svc];
      try {
        loadConfig(typeof config === 'function' ? config(merged) : config, merged);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        problems.push(error.message);
      }
      expect(problems).toEqual([]);
    });

    it('logs in with the AppRole openbao-init configures, from a secret-id file on the volume openbao-init fills', () => {
      const env = environmentOf(svc);
      const settings = openBaoSettings(env, svc) as OpenBaoSettings;
      const init = environmentOf(INIT);
      // configure.sh: an AppRole per service of lib.sh, role_id = the service name, KV under ecotrack/<environment>/<service>
      expect({ address: settings.address, method: settings.authMethod, role: settings.role, environment: settings.environment }).toEqual({
        address: init.OPENBAO_ADDR,
        method: 'approle',
        role: svc,
        environment: init.ECOTRACK_OPENBAO_ENVIRONMENT ?? 'local',
      });
      expect(OPENBAO_SERVICES).toContain(svc);
      // the file is on a read-only volume mount of the service, whose subpath is what init.sh writes for it
      const file = settings.secretIdFile!;
      const mount = (service(svc).volumes ?? []).find(
        (v): v is Exclude<typeof v, string> => typeof v !== 'string' && file.startsWith(`${v.target.replace(/\/$/, '')}/`),
      );
      expect(mount).toMatchObject({ type: 'volume', read_only: true });
      const written = `${mount!.volume?.subpath ? `${mount!.volume.subpath}/` : ''}${file.slice(mount!.target.replace(/\/$/, '').length + 1)}`;
      expect(written).toBe(SECRET_ID_LAYOUT(svc));
      const initMount = (service(INIT).volumes ?? []).map((v) => (typeof v === 'string' ? { source: v.split(':')[0], target: v.split(':')[1] } : v)).find((v) => v.source === mount!.source);
      expect([mount!.source, initMount?.target]).toEqual([mount!.source, init.ECOTRACK_APPROLE_EXPORT_DIR]);
      expect(existsSync(path.join(WORKSPACE_ROOT, 'tools/stack/compose/openbao-init/init.sh'))).toBe(true);
      // the AppRole is bound to the network the services are on
      expect(init.ECOTRACK_OPENBAO_BOUND_CIDRS).toBe(interpolate(compose.networks?.default?.ipam?.config?.[0]?.subnet ?? '(no fixed subnet)', 'networks.default'));
      // its database: no login in the URL (OpenBao's database role gives it), the database configure.sh configured for it
      const own = new URL(env.DATABASE_URL);
      const configured = new URL(init[`${svc.toUpperCase().replace(/-/g, '_')}_DATABASE_URL`]);
      expect({ user: own.username, password: own.password, at: `${own.host}${own.pathname}` }).toEqual({ user: '', password: '', at: `${configured.host}${configured.pathname}` });
    });

    it('openbao-init is given every variable configure.sh requires, consistent with the infrastructure', () => {
      const init = environmentOf(INIT);
      const required = [...read('tools/openbao/configure.sh').matchAll(/\$\{([A-Z_]+):\?/g)].map((m) => m[1]);
      for (const name of [...required, `${svc.toUpperCase().replace(/-/g, '_')}_DATABASE_URL`]) expect([name, init[name] !== undefined]).toEqual([name, true]);
      const postgres = environmentOf('postgres');
      const admin = new URL(init.POSTGRES_ADMIN_URL);
      expect([admin.username, admin.password]).toEqual([postgres.POSTGRES_USER, postgres.POSTGRES_PASSWORD]);
      const owner = new URL(init[`${svc.toUpperCase().replace(/-/g, '_')}_DATABASE_URL`]);
      const short = svc.replace(/-service$/, '');
      // tools/stack/compose/postgres/init-databases.sh: role <short>_service, database ecotrack_<short>, password from <SHORT>_SERVICE_DB_PASSWORD
      expect([owner.username, owner.pathname, owner.password]).toEqual([`${short}_service`, `/ecotrack_${short}`, postgres[`${short.toUpperCase()}_SERVICE_DB_PASSWORD`]]);
      expect(new URL(init.REDIS_URL).password).toBe(environmentOf('redis').REDIS_PASSWORD);
      expect(dependsOn(INIT)).toMatchObject({ openbao: { condition: 'service_healthy' }, postgres: { condition: 'service_healthy' } });
    });

    it('every address it is given is a compose service it waits for (healthy where it has a healthcheck), on the port it listens on', () => {
      const deps = dependsOn(svc);
      const wrong = addresses(environmentOf(svc)).flatMap(({ variable, host, port }) => {
        if (host === svc) return [];
        const target = compose.services[host];
        if (!target) return [`${variable}: ${host} is no compose service`];
        const condition = target.healthcheck ? 'service_healthy' : 'service_started';
        const problems = deps[host]?.condition === condition ? [] : [`${variable}: depends_on.${host} is ${deps[host]?.condition ?? 'missing'}, expected ${condition}`];
        const listens = environmentOf(host).PORT;
        if (listens && port !== undefined && Number(listens) !== port) problems.push(`${variable}: ${host} listens on ${listens}, not ${port}`);
        return problems;
      });
      expect(wrong).toEqual([]);
      expect(deps[INIT]?.condition).toBe('service_completed_successfully');
    });

    it('starts after its migrations: <service>-migrate runs the image\'s tools/run/migrate.js with the owner login, to completion', () => {
      expect(dependsOn(svc)[`${svc}-migrate`]?.condition).toBe('service_completed_successfully');
      const migrate = service(`${svc}-migrate`);
      expect({ image: migrate.image, build: migrate.build, profiles: migrate.profiles }).toEqual({ image: service(svc).image, build: service(svc).build, profiles: ['apps'] });
      expect(migrate.command).toEqual(['node', 'tools/run/migrate.js', svc]);
      expect(IMAGE_SCRIPTS).toContain('tools/run/migrate.js');
      expect(read('Dockerfile')).toMatch(/^WORKDIR \/app$/m);
      const url = new URL(environmentOf(`${svc}-migrate`).DATABASE_URL);
      const owner = new URL(environmentOf(INIT)[`${svc.toUpperCase().replace(/-/g, '_')}_DATABASE_URL`]);
      expect(url.href).toBe(owner.href);
      expect(dependsOn(`${svc}-migrate`)).toEqual({ postgres: { condition: 'service_healthy' } });
    });

    it('has a healthcheck on /health/ready of its own port, with node (the image has no curl or wget)', () => {
      const test = service(svc).healthcheck?.test;
      expect(Array.isArray(test) && test.slice(0, 2)).toEqual(['CMD', 'node']);
      const script = (test as string[]).join(' ');
      expect(script).toContain('/health/ready');
      const port = environmentOf(svc).PORT;
      expect(port).toBeDefined();
      expect(script.includes(`127.0.0.1:${port}/`) || script.includes("'http://127.0.0.1:' + process.env.PORT + '/health/ready'")).toBe(true);
      expect(read('libs/platform/src/auth/jwt-auth.guard.ts')).toContain("'/health/ready'");
    });
  });
});
