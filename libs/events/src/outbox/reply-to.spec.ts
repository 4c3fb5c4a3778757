import { randomUUID } from 'node:crypto';
import { samplePayloads } from '../../test/samples';
import { createEnvelope } from '../schemas/validation';
import { replyTo } from './reply-to';

describe('replyTo', () => {
  const sagaId = randomUUID();
  const command = createEnvelope('order-service', {
    type: 'ReserveInventory',
    aggregateId: randomUUID(),
    correlationId: sagaId,
    payload: samplePayloads.ReserveInventory(),
  });

  it('carries the saga id (correlationId), names the command as cause, and is keyed by the saga', () => {
    const payload = { reservationId: command.type === 'ReserveInventory' ? command.payload.reservationId : '', orderId: randomUUID() };
    expect(replyTo(command, { topic: 'order.saga.replies', type: 'InventoryReserved', payload })).toEqual({
      topic: 'order.saga.replies',
      type: 'InventoryReserved',
      payload,
      aggregateId: sagaId,
      correlationId: sagaId,
      causationId: command.id,
    });
  });

  it('refuses to answer a message that belongs to no saga', () => {
    const orphan = { ...command, correlationId: undefined };
    expect(() => replyTo(orphan, { topic: 'order.saga.replies', type: 'ReservationReleased', payload: { reservationId: randomUUID() } })).toThrow(
      /carries no correlationId/,
    );
  });
});
