import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createEnvelope, deadLetterTopic, decodeHeaders, ensureTopics, EventsRuntime, messageHeaders, parseMessageValue, topics, type CommandPayloads } from '@ecotrack/events';
import { consumerJoined, SagaPlayer, startInProcess, startTestIdentity, type TestIdentity } from '@ecotrack/testing';
import type { InjectOptions } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module';
import { CacheInvalidation } from '../src/cache/cache-invalidation';
import { productConfig } from '../src/config';
import { service } from '../src/service';

let identity: TestIdentity | undefined;
const testIdentity = async () => (identity ??= await startTestIdentity(process.env.REDIS_URL!));

/** Ends the test identity's sessions and its JWKS server (once per test file, in afterAll, after the apps closed). */
export async function closeTestIdentity(): Promise<void> {
  await identity?.close();
  identity = undefined;
}

/**
 * product-service in the test process, against the real PostgreSQL, Redis and
 * Kafka, verifying tokens against a real JWKS endpoint (see startTestIdentity).
 */
export async function startProductService(overrides: Record<string, string> = {}): Promise<NestFastifyApplication> {
  const { jwksUrl } = await testIdentity();
  return startInProcess({ ...service, module: AppModule, config: productConfig }, process.env as Record<string, string>, {
    JWT_JWKS_URL: jwksUrl,
    ...overrides,
  });
}

export interface Client {
  inject(options: InjectOptions): ReturnType<NestFastifyApplication['inject']>;
}

/** Requests carrying a bearer token of a user with these roles (a fresh session each). */
export async function clientWithRoles(app: NestFastifyApplication, roles: string[]): Promise<Client> {
  const token = await (await testIdentity()).token(roles);
  return {
    inject: (options) => app.inject({ ...options, headers: { ...options.headers, authorization: `Bearer ${token}` } }),
  };
}

/** A catalog administrator: admin routes and reservations. */
export const adminClient = (app: NestFastifyApplication) => clientWithRoles(app, ['admin']);

export interface ProductFixture {
  name?: string;
  description?: string;
  priceCents?: number;
  carbonKgCo2e?: number;
  stock?: number;
  /** Seconds before now, to make "newest" deterministic. */
  ageSeconds?: number;
  category?: string;
}

/**
 * Rows a test owns: its own category (so searches and recommendations see only
 * its products in a shared database) and products with unique SKUs; all removed afterwards.
 */
export class Fixtures {
  readonly category = `it-${randomUUID().slice(0, 8)}`;
  private readonly categories = [this.category];
  private readonly productIds: string[] = [];

  constructor(private readonly db: DataSource) {}

  async setUp(): Promise<this> {
    await this.db.query(`INSERT INTO categories (slug, name) VALUES ($1, 'Integration test')`, [this.category]);
    return this;
  }

  async otherCategory(): Promise<string> {
    const slug = `it-${randomUUID().slice(0, 8)}`;
    await this.db.query(`INSERT INTO categories (slug, name) VALUES ($1, 'Integration test')`, [slug]);
    this.categories.push(slug);
    return slug;
  }

  async product(fixture: ProductFixture = {}): Promise<string> {
    const [{ id }] = await this.db.query(
      `INSERT INTO products (sku, name, description, category, price_cents, currency, carbon_kg_co2e, stock, created_at)
       VALUES ($1, $2, $3, $4, $5, 'EUR', $6, $7, now() - make_interval(secs => $8)) RETURNING id`,
      [
        `IT-${randomUUID().slice(0, 13).toUpperCase()}`,
        fixture.name ?? 'Test product',
        fixture.description ?? '',
        fixture.category ?? this.category,
        fixture.priceCents ?? 1000,
        fixture.carbonKgCo2e ?? 1,
        fixture.stock ?? 10,
        fixture.ageSeconds ?? 0,
      ],
    );
    this.productIds.push(id);
    return id;
  }

  /** Marks a product created through the API as this test's, for clean-up. */
  own(productId: string): void {
    this.productIds.push(productId);
  }

  async stockOf(productId: string): Promise<number> {
    const [{ stock }] = await this.db.query(`SELECT stock FROM products WHERE id = $1`, [productId]);
    return stock;
  }

  async tearDown(): Promise<void> {
    await this.db.query(`DELETE FROM stock_reservations WHERE product_id = ANY($1::uuid[])`, [this.productIds]);
    await this.db.query(`DELETE FROM products WHERE id = ANY($1::uuid[]) OR category = ANY($2)`, [this.productIds, this.categories]);
    await this.db.query(`DELETE FROM categories WHERE slug = ANY($1)`, [this.categories]);
  }
}

/** A counter or gauge from the app's own /metrics, for the series with these labels (undefined when absent). */
async function metricSeries(app: NestFastifyApplication, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([label, value]) => l.includes(`${label}="${value}"`)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** A counter or gauge from the app's own /metrics (0 while the series does not exist yet). */
export async function metricValue(app: NestFastifyApplication, name: string, labels: Record<string, string>): Promise<number> {
  return (await metricSeries(app, name, labels)) ?? 0;
}

/** Reads ecotrack_cache_requests_total{cache, result} from the app's own /metrics. */
export async function cacheRequests(app: NestFastifyApplication, cache: 'product' | 'search', result: 'hit' | 'miss' | 'error'): Promise<number> {
  const value = await metricSeries(app, 'ecotrack_cache_requests_total', { cache, result });
  if (value === undefined) throw new Error(`no ecotrack_cache_requests_total series for cache=${cache} result=${result}`);
  return value;
}

/**
 * Resolves once the app's consumers (the events runtime's, for product.commands, and the cache's,
 * for product.events) have started and joined their groups. Both start once the app is READY,
 * which startInProcess marks.
 */
export async function consumersJoined(app: NestFastifyApplication): Promise<void> {
  await consumerJoined('the events runtime', () => app.get(EventsRuntime).consumer);
  await consumerJoined('the cache invalidation', () => app.get(CacheInvalidation).consumer);
}

/**
 * Plays order-service's saga against product-service: sends the saga's commands to
 * product.commands and records, validated, the replies on order.saga.replies (and `alsoWatched`).
 */
export const startInventorySaga = (alsoWatched: string[] = []): Promise<SagaPlayer<CommandPayloads>> =>
  SagaPlayer.start<CommandPayloads>({
    envelopes: { createEnvelope, messageHeaders, decodeHeaders, parseMessageValue, ensureTopics },
    commands: topics.product.commands,
    replies: topics.order.sagaReplies,
    deadLetters: deadLetterTopic(topics.product.commands),
    alsoWatched,
  });
