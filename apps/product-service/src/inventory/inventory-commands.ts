import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { MessageHandlers, NonRetryableMessageError, OutboxWriter, replyTo, topics, type Envelope, type HandlerContext } from '@ecotrack/events';
import { ReservationConflictError, ReservationNotFoundError } from './inventory.errors';
import { InventoryService, type ReserveResult } from './inventory.service';

export type ReserveReply =
  | { type: 'InventoryReserved'; payload: { reservationId: string; orderId: string } }
  | { type: 'InventoryReservationFailed'; payload: { reservationId: string; orderId: string; reason: string } };

/**
 * The answer to ReserveInventory. The same reservation id always gets the same answer: reserved
 * while its units are held or sold; failed when it was refused, conflicts with the stored one,
 * or its units went back to stock (released, returned).
 */
export function reserveReply(result: ReserveResult, ids: { reservationId: string; orderId: string }): ReserveReply {
  if (result.kind === 'refused') return { type: 'InventoryReservationFailed', payload: { ...ids, reason: result.refusal.reason } };
  const { status } = result.reservation;
  if (status === 'RELEASED' || status === 'RETURNED') {
    return { type: 'InventoryReservationFailed', payload: { ...ids, reason: `reservation ${ids.reservationId} was ${status.toLowerCase()}` } };
  }
  return { type: 'InventoryReserved', payload: ids };
}

/**
 * product-service's part of the order saga: the commands on product.commands. Each handler runs
 * in the consumer's transaction (`context.manager`): the inbox row, the stock change, its
 * StockChanged events and the reply to order.saga.replies commit together or not at all.
 *
 * The inbox drops a redelivered message (same id); a RESEND by the saga has a new id, so every
 * handler is idempotent by reservation id and answers a resend exactly like the first time.
 * A command that contradicts the reservation's state (confirm a released one, release a sold one)
 * is a saga bug: NonRetryableMessageError, i.e. straight to product.commands.dlq, logged, no reply.
 */
@Injectable()
export class InventoryCommands implements OnModuleInit {
  private readonly logger = new Logger('InventoryCommands');

  constructor(
    private readonly handlers: MessageHandlers,
    private readonly outbox: OutboxWriter,
    private readonly inventory: InventoryService,
  ) {}

  onModuleInit(): void {
    this.handlers
      .on(topics.product.commands, 'ReserveInventory', (command, context) => this.reserve(command, context))
      .on(topics.product.commands, 'ConfirmReservation', (command, context) => this.confirm(command, context))
      .on(topics.product.commands, 'ReleaseReservation', (command, context) => this.release(command, context))
      .on(topics.product.commands, 'RestockReservation', (command, context) => this.restock(command, context));
  }

  /** All lines or none; a refusal is an answer (InventoryReservationFailed), not an error. */
  async reserve(command: Envelope<'ReserveInventory'>, { manager }: HandlerContext): Promise<void> {
    const { reservationId, orderId, lines } = command.payload;
    const result = await this.inventory.reserve({ reservationId, orderId, items: lines, rememberRefusal: true }, manager);
    await this.outbox.write(manager, replyTo(command, { topic: topics.order.sagaReplies, ...reserveReply(result, { reservationId, orderId }) }));
  }

  /** RESERVED → CONFIRMED; CONFIRMED answers the same. Released, returned or unknown: a saga bug. */
  async confirm(command: Envelope<'ConfirmReservation'>, { manager }: HandlerContext): Promise<void> {
    const { reservationId } = command.payload;
    await this.unlessSagaBug(command, reservationId, () => this.inventory.confirm(reservationId, manager));
    await this.outbox.write(manager, replyTo(command, { topic: topics.order.sagaReplies, type: 'ReservationConfirmed', payload: { reservationId } }));
  }

  /**
   * RESERVED → RELEASED, units back; RELEASED answers the same. Unknown: the reserve never took
   * anything, so it is released as well (and a reserve arriving later is refused). Sold: a saga bug.
   */
  async release(command: Envelope<'ReleaseReservation'>, { manager }: HandlerContext): Promise<void> {
    const { reservationId, reason } = command.payload;
    await this.unlessSagaBug(command, reservationId, () => this.inventory.release(reservationId, manager, { closeUnknown: reason }));
    await this.outbox.write(manager, replyTo(command, { topic: topics.order.sagaReplies, type: 'ReservationReleased', payload: { reservationId } }));
  }

  /** CONFIRMED → RETURNED, units back; RETURNED answers the same. Anything else: a saga bug. */
  async restock(command: Envelope<'RestockReservation'>, { manager }: HandlerContext): Promise<void> {
    const { reservationId } = command.payload;
    await this.unlessSagaBug(command, reservationId, () => this.inventory.restock(reservationId, manager));
    await this.outbox.write(manager, replyTo(command, { topic: topics.order.sagaReplies, type: 'ReservationRestocked', payload: { reservationId } }));
  }

  /** A command the reservation's state cannot accept will never succeed: no retries, to the dead-letter topic. */
  private async unlessSagaBug<T>(command: Envelope, reservationId: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ReservationNotFoundError || error instanceof ReservationConflictError) {
        this.logger.error(`${command.type} ${command.id} (saga ${command.correlationId ?? 'unknown'}) refused, dead-lettered: ${error.message}`);
        throw new NonRetryableMessageError(`${command.type} for reservation ${reservationId}: ${error.message}`, { cause: error });
      }
      throw error;
    }
  }
}
