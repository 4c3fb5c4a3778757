import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { SERVICES, WORKSPACE_ROOT, type ServiceName } from './paths';

/** A free loopback port (the OS picks; released before the caller binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The one table of local ports, also read by the scripts (tools/lib/ports.sh). */
export const PORTS_FILE = path.join(WORKSPACE_ROOT, 'tools/ports.env');

/** The table as written: NAME (POSTGRES, USER_SERVICE, ...) → port. */
export function portTable(file = PORTS_FILE): Record<string, number> {
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .map((line) => /^([A-Z][A-Z0-9_]*)=(\d{1,5})$/.exec(line.trim()))
      .filter((match): match is RegExpExecArray => match !== null)
      .map(([, name, port]) => [name, Number(port)]),
  );
}

/** The port of NAME where the stack runs it: ECOTRACK_<NAME>_PORT if set (as the scripts do), else the table's. */
export function port(name: string): number {
  const override = process.env[`ECOTRACK_${name}_PORT`];
  if (override) return Number(override);
  const table = portTable();
  if (!(name in table)) throw new Error(`no port ${name} in ${PORTS_FILE}`);
  return table[name];
}

/** user-service → USER_SERVICE, the service's name in the port table. */
export const portName = (service: ServiceName) => service.toUpperCase().replace(/-/g, '_');

/** Where the stack's services listen (tools/run/services.sh). */
export const SERVICE_PORTS = Object.fromEntries(SERVICES.map((service) => [service, port(portName(service))])) as Record<ServiceName, number>;
