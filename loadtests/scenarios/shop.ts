/**
 * What EcoTrack's load looks like, defined once: the k6 scripts (loadtests/k6/) and
 * `./ecotrack bench` (tools/bench/) both read this file, so a k6 run against a deployment
 * and a bench run on a laptop measure the same traffic.
 *
 * Plain data and pure functions only: no k6 import, no Node import (it runs in both).
 */

/** A product the load seeds into the catalog (sku gets a per-run suffix so runs never collide). */
export interface SeedProduct {
  skuPrefix: string;
  name: string;
  category: string;
  priceCents: number;
  currency: string;
  carbonKgCo2e: number;
}

/** The catalog a load run browses and orders from; categories are the starter taxonomy's. */
export const CATALOG: readonly SeedProduct[] = [
  { skuPrefix: 'LT-BAMBOO-TB', name: 'Bamboo toothbrush', category: 'personal-care', priceCents: 399, currency: 'EUR', carbonKgCo2e: 0.12 },
  { skuPrefix: 'LT-SOAP-BAR', name: 'Olive oil soap bar', category: 'personal-care', priceCents: 550, currency: 'EUR', carbonKgCo2e: 0.2 },
  { skuPrefix: 'LT-TOTE', name: 'Organic cotton tote bag', category: 'bags', priceCents: 1290, currency: 'EUR', carbonKgCo2e: 0.9 },
  { skuPrefix: 'LT-BACKPACK', name: 'Recycled polyester backpack', category: 'bags', priceCents: 5900, currency: 'EUR', carbonKgCo2e: 6.1 },
  { skuPrefix: 'LT-CUTLERY', name: 'Bamboo cutlery set', category: 'kitchen', priceCents: 1299, currency: 'EUR', carbonKgCo2e: 0.35 },
  { skuPrefix: 'LT-BEESWAX', name: 'Beeswax food wraps', category: 'kitchen', priceCents: 1500, currency: 'EUR', carbonKgCo2e: 0.4 },
  { skuPrefix: 'LT-BOTTLE', name: 'Stainless steel water bottle', category: 'kitchen', priceCents: 2490, currency: 'EUR', carbonKgCo2e: 2.8 },
  { skuPrefix: 'LT-CANDLE', name: 'Soy wax candle', category: 'home', priceCents: 1800, currency: 'EUR', carbonKgCo2e: 0.7 },
  { skuPrefix: 'LT-TEE', name: 'Hemp t-shirt', category: 'clothing', priceCents: 3200, currency: 'EUR', carbonKgCo2e: 2.1 },
  { skuPrefix: 'LT-COFFEE', name: 'Fair trade coffee beans', category: 'food', priceCents: 1150, currency: 'EUR', carbonKgCo2e: 3.4 },
  { skuPrefix: 'LT-COMPOST', name: 'Kitchen compost bin', category: 'garden', priceCents: 2750, currency: 'EUR', carbonKgCo2e: 1.9 },
  { skuPrefix: 'LT-CHARGER', name: 'Solar phone charger', category: 'electronics', priceCents: 4500, currency: 'EUR', carbonKgCo2e: 4.2 },
];

/** Stock each seeded product starts with: enough that a long run rejects no order for stock. */
export const SEED_STOCK = 1_000_000;

/** What shoppers type into search (matched against the catalog above). */
export const SEARCH_TERMS: readonly string[] = ['bamboo', 'cotton bag', 'kitchen', 'soap', 'recycled', 'water bottle', 'coffee', 'solar'];

/** The browse mix: relative weights of the anonymous read requests. */
export const BROWSE_MIX = {
  /** GET /v1/products/{id} (served from the cache once warm) */
  productRead: 70,
  /** GET /v1/products/search?q= */
  search: 20,
  /** GET /v1/products?limit=20 */
  productList: 10,
} as const;
export type BrowseRequest = keyof typeof BROWSE_MIX;

/** The customer journey: register, log in, search, order, poll until CONFIRMED. */
export const JOURNEY = {
  /** Lines per order, each of this quantity. */
  linesPerOrder: 2,
  quantity: 1,
  payment: { provider: 'stripe', paymentMethodToken: 'pm_card_visa' },
  /** Polling the order until the saga decides it. */
  pollIntervalMs: 100,
  decisionTimeoutMs: 30_000,
} as const;

/** The request of a weighted mix that the number `unit` (0 <= unit < 1, e.g. Math.random()) falls on. */
export function pickWeighted<K extends string>(weights: Readonly<Record<K, number>>, unit: number): K {
  const entries = Object.entries(weights) as [K, number][];
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  let point = unit * total;
  for (const [key, weight] of entries) {
    if (point < weight) return key;
    point -= weight;
  }
  return entries[entries.length - 1][0];
}

/** The n-th element of a list, wrapping around (deterministic picks for iteration numbers). */
export function nth<T>(items: readonly T[], n: number): T {
  return items[((n % items.length) + items.length) % items.length];
}
