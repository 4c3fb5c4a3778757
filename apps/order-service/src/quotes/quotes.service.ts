import { Injectable, UnprocessableEntityException } from '@nestjs/common';
import { ProductClient } from '../product-client/product-client';
import type { CreateQuoteDto, QuoteDto } from './dto/quote.dto';

/** Footprints are kept to grams to avoid float noise in sums. */
const roundKg = (kg: number) => Math.round(kg * 1000) / 1000;

@Injectable()
export class QuotesService {
  constructor(private readonly productClient: ProductClient) {}

  /** Prices a basket with product-service's current prices and footprints (one request for all its products). */
  async quote(request: CreateQuoteDto): Promise<QuoteDto> {
    const known = await this.productClient.getProducts(request.items.map((item) => item.productId));
    // Keyed by lower-case id; the basket may spell an id in capitals.
    const products = request.items.map((item) => known.get(item.productId.toLowerCase())!);
    const currencies = new Set(products.map((product) => product.currency));
    if (currencies.size > 1) throw new UnprocessableEntityException('a basket must be in a single currency');

    const lines = request.items.map((item, index) => {
      const product = products[index];
      return {
        productId: product.id,
        name: product.name,
        quantity: item.quantity,
        unitPriceCents: product.priceCents,
        lineTotalCents: product.priceCents * item.quantity,
        carbonKgCo2e: roundKg(product.carbonKgCo2e * item.quantity),
      };
    });
    return {
      lines,
      totalCents: lines.reduce((sum, line) => sum + line.lineTotalCents, 0),
      currency: products[0].currency,
      carbonKgCo2e: roundKg(lines.reduce((sum, line) => sum + line.carbonKgCo2e, 0)),
    };
  }
}
