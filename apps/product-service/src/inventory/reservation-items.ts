export interface ReservationItem {
  productId: string;
  quantity: number;
}

/**
 * One line per product (quantities of repeated products add up), sorted by
 * product id: every transaction then locks product rows in the same order, so
 * two reservations over the same products can never deadlock.
 */
export function normalizeItems(items: ReservationItem[]): ReservationItem[] {
  const totals = new Map<string, number>();
  for (const { productId, quantity } of items) {
    const id = productId.toLowerCase();
    totals.set(id, (totals.get(id) ?? 0) + quantity);
  }
  return [...totals.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([productId, quantity]) => ({ productId, quantity }));
}

/** Whether a repeated request asks for exactly what the stored reservation holds. */
export function sameItems(stored: ReservationItem[], requested: ReservationItem[]): boolean {
  const a = normalizeItems(stored);
  const b = normalizeItems(requested);
  return a.length === b.length && a.every((item, i) => item.productId === b[i].productId && item.quantity === b[i].quantity);
}
