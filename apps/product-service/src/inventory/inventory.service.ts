import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { ReadCache } from '../cache/read-cache';
import { ProductEvents, type StockLevel } from '../catalog/product-events';
import {
  clipReason,
  OutOfStockError,
  ReservationConflictError,
  ReservationNotFoundError,
  ReservationRefusedError,
  UnknownProductsError,
  type ReserveRefusal,
} from './inventory.errors';
import { normalizeItems, sameItems, type ReservationItem } from './reservation-items';

/**
 * RESERVED → CONFIRMED (sold) → RETURNED (order cancelled, units back in stock);
 * RESERVED → RELEASED (units back in stock).
 */
export type ReservationStatus = 'RESERVED' | 'CONFIRMED' | 'RELEASED' | 'RETURNED';

export interface Reservation {
  reservationId: string;
  /** The order it was made for (reservations made over the admin API have none). */
  orderId: string | null;
  status: ReservationStatus;
  items: ReservationItem[];
  createdAt: string;
  updatedAt: string;
}

export interface ReserveRequest {
  reservationId: string;
  items: ReservationItem[];
  orderId?: string;
  /**
   * Record a refusal (out of stock, unknown product) under the id, so that repeating the id gets
   * the same refusal even after stock came back. The saga's ids are final: its resend must not take
   * stock after the refusal was answered (nobody would release it). An operator over HTTP may retry.
   */
  rememberRefusal?: boolean;
}

/**
 * What a reserve came to: the reservation under that id (just made, or as it is now when the id
 * was used before with the same items: its status may be anything), or a refusal that took nothing.
 */
export type ReserveResult = { kind: 'reservation'; reservation: Reservation; created: boolean } | { kind: 'refused'; refusal: ReserveRefusal };

interface ReservationRow {
  reservation_id: string;
  order_id: string | null;
  product_id: string;
  quantity: number;
  status: ReservationStatus;
  created_at: Date;
  updated_at: Date;
}

/** What a transaction did, so the caller can forget the cache once it committed. */
interface Done<T> {
  result: T;
  stockChanged: string[];
}

/**
 * Stock reservations: one implementation for the admin HTTP API and the order
 * saga's commands. products.stock is what is still AVAILABLE: reserve takes
 * units out, release and restock put them back, confirm keeps them out (sold).
 * For every product: stock + RESERVED + CONFIRMED units = what was put on sale.
 *
 * Every operation is idempotent by reservation id and runs in ONE transaction,
 * serialized per reservation id by an advisory lock: the caller's transaction
 * when it passes an EntityManager (a message handler, whose inbox row and
 * reply commit with the effect), otherwise one of its own. Each stock change
 * writes StockChanged to the outbox in that same transaction.
 */
@Injectable()
export class InventoryService {
  constructor(
    private readonly db: DataSource,
    private readonly cache: ReadCache,
    private readonly events: ProductEvents,
  ) {}

  /**
   * All items or none. Repeating a reservation id with the same items returns the reservation as it
   * is now (any status); an id with a recorded refusal (see rememberRefusal, and release's
   * closeUnknown) stays refused, whoever asks.
   */
  async reserve(request: ReserveRequest, manager?: EntityManager): Promise<ReserveResult> {
    const items = normalizeItems(request.items);
    const orderId = request.orderId?.toLowerCase() ?? null;
    return this.run(request.reservationId, manager, async (tx, reservationId, existing): Promise<Done<ReserveResult>> => {
      const refused = (refusal: ReserveRefusal): Done<ReserveResult> => ({ result: { kind: 'refused', refusal }, stockChanged: [] });
      if (existing) {
        if (!sameItems(existing.items, items)) {
          return refused(new ReservationConflictError(reservationId, `reservation ${reservationId} exists with other items`));
        }
        if (orderId && existing.orderId && existing.orderId !== orderId) {
          return refused(new ReservationConflictError(reservationId, `reservation ${reservationId} belongs to another order`));
        }
        return { result: { kind: 'reservation', reservation: existing, created: false }, stockChanged: [] };
      }
      const earlier = await loadRefusal(tx, reservationId);
      if (earlier) return refused(new ReservationRefusedError(reservationId, earlier));

      const shortage = await lockAndCheck(tx, items);
      if (shortage) {
        if (request.rememberRefusal) await refuse(tx, reservationId, orderId, shortage.reason);
        return refused(shortage);
      }
      const levels: StockLevel[] = [];
      for (const item of items) {
        // The rows are locked and checked: this cannot go below zero (and CHECK (stock >= 0) would stop it).
        const [rows] = await tx.query(`UPDATE products SET stock = stock - $2, updated_at = now() WHERE id = $1 RETURNING stock`, [item.productId, item.quantity]);
        levels.push({ productId: item.productId, available: rows[0].stock });
      }
      await tx.query(
        `INSERT INTO stock_reservations (reservation_id, order_id, product_id, quantity, status)
         SELECT $1, $2, product_id, quantity, 'RESERVED' FROM unnest($3::uuid[], $4::int[]) AS i(product_id, quantity)`,
        [reservationId, orderId, items.map((i) => i.productId), items.map((i) => i.quantity)],
      );
      await this.events.stockChanged(tx, levels);
      return { result: { kind: 'reservation', reservation: (await load(tx, reservationId))!, created: true }, stockChanged: items.map((i) => i.productId) };
    });
  }

  /** RESERVED → CONFIRMED (the units are sold). Repeating it is a no-op; released or returned reservations cannot be confirmed. */
  async confirm(id: string, manager?: EntityManager): Promise<Reservation> {
    return this.run(id, manager, async (tx, reservationId, existing) => {
      const reservation = mustExist(reservationId, existing);
      if (reservation.status === 'CONFIRMED') return { result: reservation, stockChanged: [] };
      if (reservation.status !== 'RESERVED') {
        throw new ReservationConflictError(reservationId, `reservation ${reservationId} is ${reservation.status} and cannot be confirmed`);
      }
      await setStatus(tx, reservationId, 'CONFIRMED');
      return { result: (await load(tx, reservationId))!, stockChanged: [] };
    });
  }

  /**
   * RESERVED → RELEASED, stock restored. Repeating it is a no-op; a confirmed (sold) reservation is refused.
   * An unknown id is ReservationNotFoundError, unless `closeUnknown` gives a reason: then the id is
   * recorded as refused (a reserve arriving later takes nothing) and the answer is null: nothing was held.
   */
  async release(id: string, manager?: EntityManager, options: { closeUnknown?: string } = {}): Promise<Reservation | null> {
    return this.run(id, manager, async (tx, reservationId, existing): Promise<Done<Reservation | null>> => {
      if (!existing && options.closeUnknown !== undefined) {
        await refuse(tx, reservationId, null, `released before it was reserved (${options.closeUnknown})`);
        return { result: null, stockChanged: [] };
      }
      const current = mustExist(reservationId, existing);
      if (current.status === 'RELEASED') return { result: current, stockChanged: [] };
      if (current.status !== 'RESERVED') {
        throw new ReservationConflictError(reservationId, `reservation ${reservationId} is ${current.status} (sold) and cannot be released`);
      }
      await this.putBack(tx, current);
      await setStatus(tx, reservationId, 'RELEASED');
      return { result: (await load(tx, reservationId))!, stockChanged: current.items.map((i) => i.productId) };
    });
  }

  /** CONFIRMED → RETURNED: a sold order was cancelled, its units are available again. Repeating it is a no-op. */
  async restock(id: string, manager?: EntityManager): Promise<Reservation> {
    return this.run(id, manager, async (tx, reservationId, existing) => {
      const current = mustExist(reservationId, existing);
      if (current.status === 'RETURNED') return { result: current, stockChanged: [] };
      if (current.status !== 'CONFIRMED') {
        throw new ReservationConflictError(reservationId, `reservation ${reservationId} is ${current.status}, not CONFIRMED, and cannot be restocked`);
      }
      await this.putBack(tx, current);
      await setStatus(tx, reservationId, 'RETURNED');
      return { result: (await load(tx, reservationId))!, stockChanged: current.items.map((i) => i.productId) };
    });
  }

  async get(reservationId: string): Promise<Reservation> {
    return mustExist(reservationId, await load(this.db.manager, reservationId.toLowerCase()));
  }

  /** The reservation's units go back to stock (items come sorted by product id: the same lock order as reserve). */
  private async putBack(tx: EntityManager, reservation: Reservation): Promise<void> {
    const levels: StockLevel[] = [];
    for (const item of reservation.items) {
      const [rows] = await tx.query(`UPDATE products SET stock = stock + $2, updated_at = now() WHERE id = $1 RETURNING stock`, [item.productId, item.quantity]);
      levels.push({ productId: item.productId, available: rows[0].stock });
    }
    await this.events.stockChanged(tx, levels);
  }

  /**
   * Runs `work` under the reservation's advisory lock, in `manager`'s transaction or a new one.
   * In a transaction of its own, the cached details of products whose stock changed are dropped
   * after the commit; in the caller's, the StockChanged events do it once that commits.
   */
  private async run<T>(
    id: string,
    manager: EntityManager | undefined,
    work: (tx: EntityManager, reservationId: string, existing: Reservation | undefined) => Promise<Done<T>>,
  ): Promise<T> {
    const reservationId = id.toLowerCase(); // one lock per reservation, however the caller spells the UUID
    const locked = async (tx: EntityManager) => {
      // Same id at the same time: the second waits, then sees what the first did.
      await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`stock-reservation:${reservationId}`]);
      return work(tx, reservationId, await load(tx, reservationId));
    };
    if (manager) {
      if (!manager.queryRunner?.isTransactionActive) throw new Error('InventoryService: the EntityManager given must be in a running transaction');
      return (await locked(manager)).result;
    }
    const done = await this.db.transaction(locked);
    // Product detail shows stock; searches keep theirs until their short TTL (a search per order would empty the cache).
    if (done.stockChanged.length) await this.cache.forgetProducts(done.stockChanged, { searches: false });
    return done.result;
  }
}

/**
 * Locks the products' rows (in id order, like every other stock change: no deadlocks) and finds
 * why the items cannot all be taken, if they cannot. Nothing is written before this is known.
 */
async function lockAndCheck(tx: EntityManager, items: ReservationItem[]): Promise<OutOfStockError | UnknownProductsError | undefined> {
  const rows: { id: string; stock: number }[] = await tx.query(`SELECT id, stock FROM products WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [
    items.map((item) => item.productId),
  ]);
  const stock = new Map(rows.map((row) => [row.id, row.stock]));
  const missing = items.filter((item) => !stock.has(item.productId)).map((item) => item.productId);
  if (missing.length) return new UnknownProductsError(missing);
  const short = items.find((item) => stock.get(item.productId)! < item.quantity);
  return short ? new OutOfStockError(short.productId, short.quantity) : undefined;
}

async function refuse(tx: EntityManager, reservationId: string, orderId: string | null, reason: string): Promise<void> {
  await tx.query(
    `INSERT INTO stock_reservation_refusals (reservation_id, order_id, reason) VALUES ($1, $2, $3) ON CONFLICT (reservation_id) DO NOTHING`,
    [reservationId, orderId, clipReason(reason)],
  );
}

async function loadRefusal(tx: EntityManager, reservationId: string): Promise<string | undefined> {
  const rows: { reason: string }[] = await tx.query(`SELECT reason FROM stock_reservation_refusals WHERE reservation_id = $1`, [reservationId]);
  return rows[0]?.reason;
}

async function load(db: EntityManager, reservationId: string): Promise<Reservation | undefined> {
  const rows: ReservationRow[] = await db.query(
    `SELECT reservation_id, order_id, product_id, quantity, status, created_at, updated_at FROM stock_reservations
      WHERE reservation_id = $1 ORDER BY product_id`,
    [reservationId],
  );
  if (rows.length === 0) return undefined;
  return {
    reservationId: rows[0].reservation_id,
    orderId: rows[0].order_id,
    status: rows[0].status,
    items: rows.map((row) => ({ productId: row.product_id, quantity: row.quantity })),
    createdAt: rows[0].created_at.toISOString(),
    updatedAt: rows[0].updated_at.toISOString(),
  };
}

function mustExist(reservationId: string, reservation: Reservation | undefined): Reservation {
  if (!reservation) throw new ReservationNotFoundError(reservationId);
  return reservation;
}

async function setStatus(tx: EntityManager, reservationId: string, status: ReservationStatus): Promise<void> {
  await tx.query(`UPDATE stock_reservations SET status = $2, updated_at = now() WHERE reservation_id = $1`, [reservationId, status]);
}
