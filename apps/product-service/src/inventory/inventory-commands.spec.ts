import { Logger } from '@nestjs/common';
import { createEnvelope, MessageHandlers, NonRetryableMessageError, type Envelope, type HandlerContext, type MessageType, type OutboxWriter } from '@ecotrack/events';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { InventoryCommands, reserveReply } from './inventory-commands';
import {
  OutOfStockError,
  ReservationConflictError,
  ReservationNotFoundError,
  ReservationRefusedError,
  UnknownProductsError,
  MAX_REASON_LENGTH,
} from './inventory.errors';
import type { InventoryService, Reservation, ReservationStatus } from './inventory.service';

const ids = { reservationId: randomUUID(), orderId: randomUUID() };
const reservation = (status: ReservationStatus): Reservation => ({
  reservationId: ids.reservationId,
  orderId: ids.orderId,
  status,
  items: [{ productId: randomUUID(), quantity: 2 }],
  createdAt: new Date().toISOString(),
  updatedAt: new Date().toISOString(),
});

describe('reserveReply (the answer to ReserveInventory)', () => {
  it.each(['RESERVED', 'CONFIRMED'] as const)('a reservation that is %s: InventoryReserved', (status) => {
    expect(reserveReply({ kind: 'reservation', reservation: reservation(status), created: false }, ids)).toEqual({ type: 'InventoryReserved', payload: ids });
  });

  it.each([
    ['RELEASED', 'released'],
    ['RETURNED', 'returned'],
  ] as const)('a reservation that is %s: failed, its units are back in stock', (status, word) => {
    expect(reserveReply({ kind: 'reservation', reservation: reservation(status), created: false }, ids)).toEqual({
      type: 'InventoryReservationFailed',
      payload: { ...ids, reason: `reservation ${ids.reservationId} was ${word}` },
    });
  });

  it.each([
    [new OutOfStockError('p1', 3), 'out of stock: p1'],
    [new UnknownProductsError(['p1', 'p2']), 'unknown product: p1, p2'],
    [new ReservationConflictError('r1', 'reservation r1 exists with other items'), 'reservation r1 exists with other items'],
    [new ReservationRefusedError('r1', 'out of stock: p1'), 'out of stock: p1'],
  ])('refused (%s): failed with a short reason', (refusal, reason) => {
    expect(reserveReply({ kind: 'refused', refusal }, ids)).toEqual({ type: 'InventoryReservationFailed', payload: { ...ids, reason } });
  });

  it('a reason never exceeds what the reply schema accepts (50 unknown products)', () => {
    const refusal = new UnknownProductsError(Array.from({ length: 50 }, () => randomUUID()));
    const reply = reserveReply({ kind: 'refused', refusal }, ids);
    expect(reply.type === 'InventoryReservationFailed' && reply.payload.reason.length).toBe(MAX_REASON_LENGTH);
  });
});

describe('InventoryCommands (handlers on product.commands, no I/O)', () => {
  const sagaId = randomUUID();
  const manager = { queryRunner: { isTransactionActive: true } } as unknown as EntityManager;
  let handlers: MessageHandlers;
  let inventory: jest.Mocked<Pick<InventoryService, 'reserve' | 'confirm' | 'release' | 'restock'>>;
  let written: { type: string; payload: unknown; correlationId?: string; causationId?: string; topic: string }[];

  const command = <T extends MessageType>(type: T, payload: unknown) =>
    createEnvelope('order-service', { type, aggregateId: ids.orderId, correlationId: sagaId, payload } as never) as Envelope<T>;
  const handle = (message: Envelope) => handlers.find('product.commands', message.type)!(message, { manager, attempt: 1 } as HandlerContext);

  beforeEach(() => {
    handlers = new MessageHandlers();
    inventory = { reserve: jest.fn(), confirm: jest.fn(), release: jest.fn(), restock: jest.fn() };
    written = [];
    const outbox = { write: jest.fn(async (_manager: EntityManager, draft: (typeof written)[number]) => void written.push(draft)) };
    new InventoryCommands(handlers, outbox as unknown as OutboxWriter, inventory as unknown as InventoryService).onModuleInit();
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('handles the four commands on product.commands, and only those', () => {
    expect(handlers.topics).toEqual(['product.commands']);
    for (const type of ['ReserveInventory', 'ConfirmReservation', 'ReleaseReservation', 'RestockReservation'] as const) {
      expect(handlers.find('product.commands', type)).toBeDefined();
    }
    expect(handlers.find('product.commands', 'AuthorizePayment')).toBeUndefined();
  });

  it('reserve: runs in the handler transaction, remembers refusals, replies to the saga (correlation, causation)', async () => {
    inventory.reserve.mockResolvedValue({ kind: 'refused', refusal: new OutOfStockError('p1', 2) });
    const lines = [{ productId: randomUUID(), quantity: 2 }];
    const message = command('ReserveInventory', { ...ids, lines });
    await handle(message);
    expect(inventory.reserve).toHaveBeenCalledWith({ ...ids, items: lines, rememberRefusal: true }, manager);
    expect(written).toEqual([
      {
        topic: 'order.saga.replies',
        type: 'InventoryReservationFailed',
        payload: { ...ids, reason: 'out of stock: p1' },
        aggregateId: sagaId,
        correlationId: sagaId,
        causationId: message.id,
      },
    ]);
  });

  it('release: an unknown reservation is closed with the saga reason, and answered as released', async () => {
    inventory.release.mockResolvedValue(null);
    await handle(command('ReleaseReservation', { reservationId: ids.reservationId, reason: 'order rejected' }));
    expect(inventory.release).toHaveBeenCalledWith(ids.reservationId, manager, { closeUnknown: 'order rejected' });
    expect(written.map((w) => [w.type, w.payload])).toEqual([['ReservationReleased', { reservationId: ids.reservationId }]]);
  });

  it.each([
    ['ConfirmReservation', 'confirm', new ReservationNotFoundError('r1'), { reservationId: ids.reservationId }],
    ['ConfirmReservation', 'confirm', new ReservationConflictError('r1', 'reservation r1 is RELEASED'), { reservationId: ids.reservationId }],
    ['ReleaseReservation', 'release', new ReservationConflictError('r1', 'reservation r1 is CONFIRMED (sold)'), { reservationId: ids.reservationId, reason: 'x' }],
    ['RestockReservation', 'restock', new ReservationNotFoundError('r1'), ids],
  ] as const)('%s refused by the reservation state (%s): NonRetryableMessageError, no reply', async (type, method, error, payload) => {
    inventory[method].mockRejectedValue(error);
    const failure = handle(command(type, payload));
    await expect(failure).rejects.toBeInstanceOf(NonRetryableMessageError);
    await expect(failure).rejects.toThrow(error.message);
    expect(written).toEqual([]);
  });

  it('any other error is thrown as it is: the consumer retries it', async () => {
    const outage = new Error('deadlock detected');
    inventory.confirm.mockRejectedValue(outage);
    await expect(handle(command('ConfirmReservation', { reservationId: ids.reservationId }))).rejects.toBe(outage);
    expect(written).toEqual([]);
  });

  it.each([
    ['ConfirmReservation', 'confirm', 'ReservationConfirmed', { reservationId: ids.reservationId }],
    ['RestockReservation', 'restock', 'ReservationRestocked', ids],
  ] as const)('%s done: %s reply', async (type, method, reply, payload) => {
    inventory[method].mockResolvedValue(reservation('CONFIRMED'));
    await handle(command(type, payload));
    expect(inventory[method]).toHaveBeenCalledWith(ids.reservationId, manager);
    expect(written.map((w) => [w.type, w.payload])).toEqual([[reply, { reservationId: ids.reservationId }]]);
  });
});
