import { Inject, Injectable, ServiceUnavailableException, UnprocessableEntityException } from '@nestjs/common';
import { APP_CONFIG } from '@ecotrack/core';
import { ServiceCredential } from '@ecotrack/platform';
import type { OrderConfig } from '../config';

/** What order-service needs to know of a product; product-service is the source of truth. */
export interface PricedProduct {
  id: string;
  name: string;
  priceCents: number;
  currency: string;
  carbonKgCo2e: number;
}

interface ProductBatch {
  items: PricedProduct[];
  missing: string[];
}

/**
 * The product-service routes this client calls (read by the chart's tests: product-service's
 * AuthorizationPolicy must let order-service make exactly these calls).
 */
export const PRODUCT_SERVICE_ROUTES = {
  /** The products of a basket in one request: ?ids=<id>&ids=<id>... */
  batch: { method: 'GET', path: '/v1/products/batch' },
} as const;

/**
 * HTTP client for product-service (its /v1/products API). Trace context travels in the headers;
 * so does this service's credential, so that product-service counts these calls apart from its
 * clients' (locally all of them come from 127.0.0.1).
 */
@Injectable()
export class ProductClient {
  constructor(
    @Inject(APP_CONFIG) private readonly config: OrderConfig,
    private readonly credential: ServiceCredential,
  ) {}

  /**
   * The products of a basket, each id once, in ONE request (GET /v1/products/batch): a basket
   * costs product-service one request whatever its size (at most 50 lines, within the 100 ids
   * a batch may name). Any unknown id: 422.
   */
  async getProducts(ids: string[]): Promise<Map<string, PricedProduct>> {
    const unique = [...new Set(ids.map((id) => id.toLowerCase()))];
    const route = PRODUCT_SERVICE_ROUTES.batch;
    const url = new URL(route.path, this.config.PRODUCT_SERVICE_URL);
    for (const id of unique) url.searchParams.append('ids', id);
    let response: Response;
    try {
      response = await fetch(url, { method: route.method, headers: this.credential.headers(), signal: AbortSignal.timeout(this.config.PRODUCT_SERVICE_TIMEOUT_MS) });
    } catch (error) {
      throw new ServiceUnavailableException(`product-service did not answer: ${(error as Error).message}`);
    }
    if (!response.ok) throw new ServiceUnavailableException(`product-service answered ${response.status}`);
    const batch = (await response.json()) as ProductBatch;
    if (batch.missing.length > 0) throw new UnprocessableEntityException(`product ${batch.missing.join(', ')} does not exist`);
    return new Map(
      batch.items.map((product) => [
        product.id,
        { id: product.id, name: product.name, priceCents: product.priceCents, currency: product.currency, carbonKgCo2e: product.carbonKgCo2e },
      ]),
    );
  }
}
