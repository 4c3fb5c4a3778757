import { Inject, Injectable, ServiceUnavailableException, UnprocessableEntityException } from '@nestjs/common';
import { APP_CONFIG } from '@ecotrack/platform';
import type { OrderConfig } from '../config';

/** What order-service needs to know of a product; product-service is the source of truth. */
export interface CatalogProduct {
  id: string;
  name: string;
  priceCents: number;
  currency: string;
  carbonKgCo2e: number;
}

/** HTTP client for product-service (its /v1/products API). Trace context travels in the headers. */
@Injectable()
export class ProductCatalogClient {
  constructor(@Inject(APP_CONFIG) private readonly config: OrderConfig) {}

  async getProduct(id: string): Promise<CatalogProduct> {
    const url = new URL(`/v1/products/${encodeURIComponent(id)}`, this.config.PRODUCT_SERVICE_URL);
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(this.config.PRODUCT_SERVICE_TIMEOUT_MS) });
    } catch (error) {
      throw new ServiceUnavailableException(`product-service did not answer: ${(error as Error).message}`);
    }
    if (response.status === 404) throw new UnprocessableEntityException(`product ${id} does not exist`);
    if (!response.ok) throw new ServiceUnavailableException(`product-service answered ${response.status}`);
    const product = (await response.json()) as CatalogProduct;
    return {
      id: product.id,
      name: product.name,
      priceCents: product.priceCents,
      currency: product.currency,
      carbonKgCo2e: product.carbonKgCo2e,
    };
  }
}
