import { clientAt, WORKSPACE_ROOT, type AddressedClient, type AddressedResponse } from '@ecotrack/testing';
import { CATALOG, SEED_STOCK } from '../../loadtests/scenarios/shop';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { log, serviceUrl } from './context';

/**
 * The stack's limits are on (default configuration): per client IP, per account and per user.
 * Each account speaks from its own loopback address (clientAt), registers and logs in once, and
 * spends at most this many requests in any 60 s, under the 120 per user a minute of every service
 * (and the 300 per IP): the bench never trips a limit, and counts every 429 if one is hit anyway.
 */
const REQUESTS_PER_MINUTE = 100;

export interface AccountSeed {
  email: string;
  password: string;
  address: string;
}

export interface Seed {
  run: string;
  productIds: string[];
  customers: AccountSeed[];
  /** The idle step's warm-up account: its budget untouched by the order load. */
  warmUp: AccountSeed;
}

/** 127.66.x.y: the loopback block the bench's customers speak from (the tests use others). */
const addressOf = (index: number) => `127.66.${Math.floor(index / 250)}.${(index % 250) + 1}`;

/** An HTTP client of one account, paced under its budget; counts its requests, 429s and waits. */
export class Customer {
  static readonly tally = { requests: 0, tooMany: 0, pacedWaits: 0 };
  private readonly client: AddressedClient;
  private readonly sent: number[] = [];
  token = '';
  busy = false;

  constructor(readonly seed: AccountSeed) {
    this.client = clientAt(seed.address);
  }

  async request(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<AddressedResponse> {
    const now = Date.now();
    while (this.sent.length > 0 && this.sent[0] <= now - 60_000) this.sent.shift();
    if (this.sent.length >= REQUESTS_PER_MINUTE) {
      Customer.tally.pacedWaits += 1;
      await sleep(this.sent[0] + 60_000 - now);
    }
    this.sent.push(Date.now());
    Customer.tally.requests += 1;
    const response = await this.client.request(method, url, { body, token: this.token || undefined, headers });
    if (response.status === 429) Customer.tally.tooMany += 1;
    return response;
  }

  async register(): Promise<void> {
    const { email, password } = this.seed;
    const response = await this.request('POST', `${serviceUrl('user-service')}/v1/users`, { email, password, displayName: `Bench ${email.split('@')[0]}` });
    if (response.status !== 201) throw new Error(`registering the account of ${this.seed.address}: ${response.status} ${JSON.stringify(response.body)}`);
  }

  async login(): Promise<void> {
    const { email, password } = this.seed;
    const response = await this.request('POST', `${serviceUrl('user-service')}/v1/sessions`, { email, password });
    if (response.status !== 201) throw new Error(`logging in the account of ${this.seed.address}: ${response.status} ${JSON.stringify(response.body)}`);
    this.token = (response.body as { accessToken: string }).accessToken;
  }

  close(): void {
    this.client.close();
  }
}

/** Runs `work` over the items, `parallel` at a time. */
export async function inBatches<T>(items: readonly T[], parallel: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

/**
 * The run's catalog (CATALOG with this run's sku suffix, SEED_STOCK each), created by an admin
 * (registered, then granted with `./ecotrack grant-admin` as an operator would), and the customers.
 */
export async function seed(customers: number): Promise<Seed> {
  const run = randomBytes(4).toString('hex');
  const account = (index: number, name: string): AccountSeed => ({ email: `bench-${run}-${name}@example.org`, password: `pw-${randomBytes(12).toString('hex')}`, address: addressOf(index) });
  const admin = new Customer(account(0, 'admin'));
  await admin.register();
  execFileSync(`${WORKSPACE_ROOT}/ecotrack`, ['grant-admin', admin.seed.email], { stdio: 'pipe' });
  await admin.login();
  const productIds: string[] = [];
  for (const product of CATALOG) {
    const { skuPrefix, ...fields } = product;
    const created = await admin.request('POST', `${serviceUrl('product-service')}/v1/products`, { ...fields, sku: `${skuPrefix}-${run.toUpperCase()}`, stock: SEED_STOCK });
    if (created.status !== 201) throw new Error(`creating ${skuPrefix}: ${created.status} ${JSON.stringify(created.body)}`);
    productIds.push((created.body as { id: string }).id);
  }
  admin.close();
  const seeds = Array.from({ length: customers + 1 }, (_, i) => account(i + 1, `c${i + 1}`));
  await inBatches(seeds, 4, async (one) => {
    const customer = new Customer(one);
    await customer.register();
    customer.close();
  });
  log(`seeded ${productIds.length} products and ${customers} customers (run ${run})`);
  return { run, productIds, customers: seeds.slice(1), warmUp: seeds[0] };
}
