import { UnprocessableEntityException } from '@nestjs/common';
import type { PricedProduct, ProductClient } from '../product-client/product-client';
import { QuotesService } from './quotes.service';

const products: Record<string, PricedProduct> = {
  brush: { id: 'brush', name: 'Bamboo toothbrush', priceCents: 399, currency: 'EUR', carbonKgCo2e: 0.12 },
  bottle: { id: 'bottle', name: 'Steel bottle', priceCents: 2450, currency: 'EUR', carbonKgCo2e: 1.337 },
  dollar: { id: 'dollar', name: 'Imported soap', priceCents: 500, currency: 'USD', carbonKgCo2e: 0.2 },
};
// An in-memory product client standing in for product-service's answers (the HTTP side: orders.int-spec.ts).
const requests: string[][] = [];
const productClient = {
  getProducts: async (ids: string[]) => {
    requests.push(ids);
    return new Map(ids.map((id) => [id.toLowerCase(), products[id.toLowerCase()]]));
  },
} as unknown as ProductClient;

describe('QuotesService', () => {
  const quotes = new QuotesService(productClient);
  beforeEach(() => (requests.length = 0));

  it('asks product-service once for the whole basket, whatever repeats it holds', async () => {
    const quote = await quotes.quote({ items: [{ productId: 'brush', quantity: 1 }, { productId: 'bottle', quantity: 2 }, { productId: 'BRUSH', quantity: 3 }] });
    expect(requests).toHaveLength(1);
    expect(quote.lines.map((line) => [line.productId, line.quantity])).toEqual([
      ['brush', 1],
      ['bottle', 2],
      ['brush', 3],
    ]);
  });

  it('prices lines in cents and sums footprints to the gram', async () => {
    const quote = await quotes.quote({ items: [{ productId: 'brush', quantity: 3 }, { productId: 'bottle', quantity: 1 }] });
    expect(quote.lines.map((line) => line.lineTotalCents)).toEqual([1197, 2450]);
    expect(quote.totalCents).toBe(3647);
    expect(quote.currency).toBe('EUR');
    expect(quote.carbonKgCo2e).toBe(1.697);
  });

  it('refuses a basket in two currencies', async () => {
    await expect(
      quotes.quote({ items: [{ productId: 'brush', quantity: 1 }, { productId: 'dollar', quantity: 1 }] }),
    ).rejects.toBeInstanceOf(UnprocessableEntityException);
  });
});
