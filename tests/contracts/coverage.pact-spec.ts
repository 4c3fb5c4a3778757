import { messageSchemas } from '@ecotrack/events';
import { SERVICES, WORKSPACE_ROOT } from '@ecotrack/testing';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PRODUCT_SERVICE_ROUTES } from '../../apps/order-service/src/product-client/product-client';
import { PACT_DIR } from './support/dirs';
import { parseMessageDescription } from './support/pact';
import { readPact } from './support/provider';

/** Types no other service reads today (a consumer that starts to must add its pact, and drop the type here). */
const READ_BY_NOBODY: Record<string, string> = {
  OrderPlaced: 'an announcement for future readers (analytics); the saga starts in the same transaction',
  NotificationSent: "notification-service's delivery record; nobody subscribes to notification.events",
};

const pacts = readdirSync(PACT_DIR)
  .filter((file) => file.endsWith('.json'))
  .map((file) => ({ file, pact: readPact(path.join(PACT_DIR, file)) }));

/** Between two services, every way they meet has a pact (the suite fails when one is missing). */
describe('contracts cover every way the services meet', () => {
  it('one file per consumer-provider pair, named after them', () => {
    for (const { file, pact } of pacts) expect(file).toBe(`${pact.consumer.name}-${pact.provider.name}.json`);
  });

  it('every message type of the registry is in a pact, or read by nobody (and then listed why)', () => {
    const inPacts = new Set(pacts.flatMap(({ pact }) => pact.interactions.map((i) => parseMessageDescription(i.description)?.type)));
    const uncovered = Object.keys(messageSchemas).filter((type) => !inPacts.has(type) && !(type in READ_BY_NOBODY));
    expect(uncovered).toEqual([]);
    expect(Object.keys(READ_BY_NOBODY).filter((type) => inPacts.has(type))).toEqual([]);
  });

  it("every service that verifies tokens has a pact for user-service's JWKS", () => {
    const verifiers = SERVICES.filter((service) => readFileSync(path.join(WORKSPACE_ROOT, 'apps', service, 'src', 'config.ts'), 'utf8').includes('...jwtVerificationConfig'));
    expect(verifiers.length).toBeGreaterThan(0);
    for (const service of verifiers) {
      const pact = pacts.find(({ pact }) => pact.consumer.name === service && pact.provider.name === 'user-service')?.pact;
      expect({ service, jwks: pact?.interactions.some((i) => i.request?.path === '/.well-known/jwks.json') }).toEqual({ service, jwks: true });
    }
  });

  it('every route of the product-service client is in the pact', () => {
    const pact = pacts.find(({ file }) => file === 'order-service-product-service.json')!.pact;
    for (const route of Object.values(PRODUCT_SERVICE_ROUTES)) {
      expect(pact.interactions.some((i) => i.request?.method === route.method && i.request.path === route.path)).toBe(true);
    }
  });

  it("a service's other HTTP calls go to vendors (adapters under providers/, tested against the vendors' own specs)", () => {
    const calls = execFileSync('git', ['grep', '-n', 'fetch(', '--', 'apps/*/src/*.ts', 'apps/*/src/**/*.ts', ':!*.spec.ts'], { cwd: WORKSPACE_ROOT, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(':')[0]);
    const toServices = calls.filter((file) => !file.includes('/providers/'));
    expect([...new Set(toServices)]).toEqual(['apps/order-service/src/product-client/product-client.ts']);
  });
});
