import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { ReadCache } from '../cache/read-cache';
import { OutOfStockError, ReservationConflictError, ReservationNotFoundError, UnknownProductsError } from './inventory.errors';
import { normalizeItems, sameItems, type ReservationItem } from './reservation-items';

export type ReservationStatus = 'RESERVED' | 'CONFIRMED' | 'RELEASED';

export interface Reservation {
  reservationId: string;
  status: ReservationStatus;
  items: ReservationItem[];
  createdAt: string;
  updatedAt: string;
}

interface ReservationRow {
  reservation_id: string;
  product_id: string;
  quantity: number;
  status: ReservationStatus;
  created_at: Date;
  updated_at: Date;
}

/**
 * Stock reservations for the order saga. products.stock is what is still
 * AVAILABLE: reserve takes units out, release puts them back, confirm keeps
 * them out (sold). Every operation is idempotent by reservation id and runs in
 * one transaction, serialized per reservation id by an advisory lock.
 */
@Injectable()
export class InventoryService {
  constructor(
    private readonly db: DataSource,
    private readonly cache: ReadCache,
  ) {}

  /** All items or none. Repeating it with the same items returns the reservation as it is now. */
  async reserve(reservationId: string, requested: ReservationItem[]): Promise<Reservation> {
    const items = normalizeItems(requested);
    const { reservation, changed } = await this.inTransaction(reservationId, async (tx, existing) => {
      if (existing) {
        if (!sameItems(existing.items, items)) {
          throw new ReservationConflictError(reservationId, `reservation ${reservationId} exists with other items`);
        }
        return { reservation: existing, changed: false };
      }
      await assertProductsExist(tx, items);
      for (const item of items) {
        // Conditional decrement: under concurrency PostgreSQL re-checks `stock >= $2`
        // on the latest row version, so two requests can never both take the last unit.
        const [, updated] = await tx.query(
          `UPDATE products SET stock = stock - $2, updated_at = now() WHERE id = $1 AND stock >= $2`,
          [item.productId, item.quantity],
        );
        if (updated !== 1) throw new OutOfStockError(item.productId, item.quantity); // rolls back earlier items
      }
      await tx.query(
        `INSERT INTO stock_reservations (reservation_id, product_id, quantity, status)
         SELECT $1, product_id, quantity, 'RESERVED' FROM unnest($2::uuid[], $3::int[]) AS i(product_id, quantity)`,
        [reservationId, items.map((i) => i.productId), items.map((i) => i.quantity)],
      );
      return { reservation: (await load(tx, reservationId))!, changed: true };
    });
    if (changed) await this.forgetStock(reservation);
    return reservation;
  }

  /** RESERVED → CONFIRMED (the units are sold). Repeating it is a no-op; a released reservation cannot be confirmed. */
  async confirm(reservationId: string): Promise<Reservation> {
    return this.inTransaction(reservationId, async (tx, existing) => {
      const reservation = mustExist(reservationId, existing);
      if (reservation.status === 'CONFIRMED') return reservation;
      if (reservation.status === 'RELEASED') {
        throw new ReservationConflictError(reservationId, `reservation ${reservationId} was released and cannot be confirmed`);
      }
      await setStatus(tx, reservationId, 'CONFIRMED');
      return (await load(tx, reservationId))!;
    });
  }

  /** RESERVED → RELEASED, stock restored. Repeating it is a no-op; a confirmed (sold) reservation is refused. */
  async release(reservationId: string): Promise<Reservation> {
    const { reservation, changed } = await this.inTransaction(reservationId, async (tx, existing) => {
      const current = mustExist(reservationId, existing);
      if (current.status === 'RELEASED') return { reservation: current, changed: false };
      if (current.status === 'CONFIRMED') {
        throw new ReservationConflictError(reservationId, `reservation ${reservationId} is confirmed (sold) and cannot be released`);
      }
      for (const item of current.items) {
        await tx.query(`UPDATE products SET stock = stock + $2, updated_at = now() WHERE id = $1`, [item.productId, item.quantity]);
      }
      await setStatus(tx, reservationId, 'RELEASED');
      return { reservation: (await load(tx, reservationId))!, changed: true };
    });
    if (changed) await this.forgetStock(reservation);
    return reservation;
  }

  async get(reservationId: string): Promise<Reservation> {
    return mustExist(reservationId, await load(this.db.manager, reservationId.toLowerCase()));
  }

  private inTransaction<T>(id: string, work: (tx: EntityManager, existing: Reservation | undefined) => Promise<T>): Promise<T> {
    const reservationId = id.toLowerCase(); // one lock per reservation, however the caller spells the UUID
    return this.db.transaction(async (tx) => {
      // Same id at the same time: the second waits, then sees what the first did.
      await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`stock-reservation:${reservationId}`]);
      return work(tx, await load(tx, reservationId));
    });
  }

  /** Product detail shows stock; searches keep theirs until their short TTL (a search per order would empty the cache). */
  private forgetStock(reservation: Reservation): Promise<void> {
    return this.cache.forgetProducts(
      reservation.items.map((item) => item.productId),
      { searches: false },
    );
  }
}

async function load(db: EntityManager, reservationId: string): Promise<Reservation | undefined> {
  const rows: ReservationRow[] = await db.query(
    `SELECT reservation_id, product_id, quantity, status, created_at, updated_at FROM stock_reservations
      WHERE reservation_id = $1 ORDER BY product_id`,
    [reservationId],
  );
  if (rows.length === 0) return undefined;
  return {
    reservationId: rows[0].reservation_id,
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

async function assertProductsExist(tx: EntityManager, items: ReservationItem[]): Promise<void> {
  const ids = items.map((item) => item.productId);
  const found: { id: string }[] = await tx.query(`SELECT id FROM products WHERE id = ANY($1::uuid[])`, [ids]);
  const known = new Set(found.map((row) => row.id));
  const missing = ids.filter((id) => !known.has(id));
  if (missing.length) throw new UnknownProductsError(missing);
}
