/**
 * What every k6 script here shares: where each service answers, how a request is sent and judged
 * (problem+json and 429 included), accounts, and the catalog a run reads and orders from.
 */
import { check, fail } from 'k6';
import { randomBytes } from 'k6/crypto';
import http, { type RefinedResponse } from 'k6/http';
import { Counter } from 'k6/metrics';
import { CATALOG, SEED_STOCK } from '../../scenarios/shop.ts';
import { LOCAL_PORTS, type Service } from './local-ports.ts';

// Only 2xx is success: a 429 (or a redirect) counts in http_req_failed like any other failure.
http.setResponseCallback(http.expectedStatuses({ min: 200, max: 299 }));

/** Answers 429: the run measured a rate limit, not the platform; the scripts' thresholds want none. */
const rateLimited = new Counter('ecotrack_rate_limited');
/** Answers other than the expected one, tagged with their problem type (problem+json) and status. */
const problems = new Counter('ecotrack_problems');

/**
 * Base URL of a service: `<SERVICE>_URL` (e.g. PRODUCT_SERVICE_URL), else BASE_URL (a deployment
 * behind one gateway, which routes by path prefix: /v1/users and /v1/sessions to user-service,
 * /v1/products to product-service, /v1/orders to order-service), else the local stack on loopback
 * (ECOTRACK_<SERVICE>_PORT moves one, as for ./ecotrack).
 */
function baseUrl(service: Service): string {
  const name = service.toUpperCase().replace(/-/g, '_');
  const explicit = __ENV[`${name}_URL`] || __ENV.BASE_URL;
  if (explicit) return explicit.replace(/\/+$/, '');
  return `http://127.0.0.1:${__ENV[`ECOTRACK_${name}_PORT`] || LOCAL_PORTS[service]}`;
}

const URLS = Object.fromEntries((Object.keys(LOCAL_PORTS) as Service[]).map((service) => [service, baseUrl(service)])) as Record<Service, string>;

/** A positive number from the environment, or the fallback; anything else stops the run at once. */
export function envNumber(name: string, fallback: number): number {
  const raw = __ENV[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!(value > 0)) throw new Error(`${name} must be a positive number, not "${raw}"`);
  return value;
}

/** Random hex: unique emails, SKUs and Idempotency-Keys without coordination between VUs. */
export function randomHex(bytes: number): string {
  return Array.from(new Uint8Array(randomBytes(bytes)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

export interface Call {
  /** The request's name in the results (`GET /v1/products/:id`): one series per route, not per id. */
  name: string;
  /** The status that means success for this call. */
  expect: number;
  token?: string;
  headers?: Record<string, string>;
}

export type Response = RefinedResponse<'text'>;

/** Problem types already logged by this VU: each is printed once, the counter has them all. */
const logged = new Set<string>();

/**
 * Sends one JSON request to a service and judges it: a check per call, and an unexpected answer
 * counted by its problem type (logged once per VU with its detail, so a run says why it failed).
 */
export function send(method: 'GET' | 'POST', service: Service, path: string, body: unknown, call: Call): Response {
  const headers: Record<string, string> = { accept: 'application/json', ...call.headers };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (call.token) headers.authorization = `Bearer ${call.token}`;
  const response = http.request(method, `${URLS[service]}${path}`, body === undefined ? null : JSON.stringify(body), {
    headers,
    tags: { name: call.name },
  });
  check(response, { [`${call.name} answers ${call.expect}`]: (r) => r.status === call.expect });
  if (response.status !== call.expect) unexpected(response, call);
  return response;
}

function unexpected(response: Response, call: Call): void {
  if (response.status === 429) rateLimited.add(1, { name: call.name });
  const problem = problemOf(response);
  const type = problem?.type ?? (response.status === 0 ? 'no answer' : 'not problem+json');
  problems.add(1, { name: call.name, status: String(response.status), type });
  const key = `${call.name} ${response.status} ${type}`;
  if (logged.has(key)) return;
  logged.add(key);
  console.warn(`${call.name}: ${response.status} ${type}: ${problem?.detail ?? problem?.title ?? response.error ?? ''}`);
}

interface Problem {
  type?: string;
  title?: string;
  detail?: string;
}

function problemOf(response: Response): Problem | undefined {
  if (!String(response.headers['Content-Type'] ?? '').includes('problem+json')) return undefined;
  try {
    return JSON.parse(response.body ?? '') as Problem;
  } catch {
    return undefined;
  }
}

/** The JSON body of a response that succeeded; undefined otherwise (already counted by send). */
export function bodyOf<T>(response: Response, call: Call): T | undefined {
  if (response.status !== call.expect) return undefined;
  return JSON.parse(response.body ?? 'null') as T;
}

export interface Credentials {
  email: string;
  password: string;
}

/** A new customer account (POST /v1/users); undefined if registration failed. */
export function register(): Credentials | undefined {
  const run = randomHex(8);
  const account = { email: `load-${run}@example.org`, password: `load-pw-${randomHex(12)}` };
  const call = { name: 'POST /v1/users', expect: 201 };
  const response = send('POST', 'user-service', '/v1/users', { ...account, displayName: `Load customer ${run}` }, call);
  return response.status === call.expect ? account : undefined;
}

/** An access token for the account (POST /v1/sessions); undefined if login failed. */
export function login(account: Credentials): string | undefined {
  const call = { name: 'POST /v1/sessions', expect: 201 };
  return bodyOf<{ accessToken: string }>(send('POST', 'user-service', '/v1/sessions', account, call), call)?.accessToken;
}

/** What setup hands every VU: the products this run browses and orders. */
export interface CatalogData {
  productIds: string[];
}

/**
 * The catalog of the run. With ADMIN_EMAIL and ADMIN_PASSWORD (an admin account) it seeds the
 * scenario's CATALOG under fresh SKUs, with stock no run exhausts; without them it reads the
 * products already there (GET /v1/products), so a deployment can be browsed without an admin.
 */
export function prepareCatalog(): CatalogData {
  const email = __ENV.ADMIN_EMAIL;
  const password = __ENV.ADMIN_PASSWORD;
  const productIds = email && password ? seedCatalog({ email, password }) : listedProducts();
  if (productIds.length === 0) {
    fail('no products to load: set ADMIN_EMAIL and ADMIN_PASSWORD (an admin) to seed the catalog, or create products first');
  }
  return { productIds };
}

function seedCatalog(admin: Credentials): string[] {
  const token = login(admin);
  if (!token) fail(`could not log in as ADMIN_EMAIL ${admin.email}`);
  const suffix = randomHex(4).toUpperCase();
  const call = { name: 'POST /v1/products', expect: 201, token };
  return CATALOG.map(({ skuPrefix, ...product }) => {
    const response = send('POST', 'product-service', '/v1/products', { ...product, sku: `${skuPrefix}-${suffix}`, stock: SEED_STOCK }, call);
    const created = bodyOf<{ id: string }>(response, call);
    if (!created) fail(`seeding ${skuPrefix} failed with ${response.status} (is ADMIN_EMAIL an admin? ./ecotrack grant-admin <email>)`);
    return created.id;
  });
}

function listedProducts(): string[] {
  const call = { name: 'GET /v1/products', expect: 200 };
  const page = bodyOf<{ items: { id: string; stock: number }[] }>(send('GET', 'product-service', '/v1/products?limit=100', undefined, call), call);
  return (page?.items ?? []).filter((product) => product.stock > 0).map((product) => product.id);
}
