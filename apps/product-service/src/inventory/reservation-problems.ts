import { ConflictException, HttpException, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { problem } from '@ecotrack/platform';
import { OutOfStockError, ReservationConflictError, ReservationNotFoundError, ReservationRefusedError, UnknownProductsError } from './inventory.errors';
import type { ReserveResult, Reservation } from './inventory.service';

/** The HTTP face of inventory outcomes: problem+json with the ids a client needs. */
export function toHttpProblem(error: unknown): HttpException | unknown {
  if (error instanceof OutOfStockError) {
    return new ConflictException(
      problem(409, {
        type: 'urn:ecotrack:problem:out-of-stock',
        title: 'Out of stock',
        detail: error.message,
        productId: error.productId,
      }),
    );
  }
  if (error instanceof UnknownProductsError) {
    return new UnprocessableEntityException(
      problem(422, {
        type: 'urn:ecotrack:problem:unknown-product',
        title: 'Unknown product',
        detail: error.message,
        productIds: error.productIds,
      }),
    );
  }
  if (error instanceof ReservationConflictError) {
    return new ConflictException(
      problem(409, {
        type: 'urn:ecotrack:problem:reservation-conflict',
        title: 'Reservation conflict',
        detail: error.message,
        reservationId: error.reservationId,
      }),
    );
  }
  if (error instanceof ReservationRefusedError) {
    return new ConflictException(
      problem(409, {
        type: 'urn:ecotrack:problem:reservation-refused',
        title: 'Reservation refused',
        detail: error.message,
        reservationId: error.reservationId,
      }),
    );
  }
  if (error instanceof ReservationNotFoundError) return new NotFoundException(error.message);
  return error;
}

/** Runs an inventory operation and rethrows its domain errors as HTTP problems. */
export async function asHttp<T>(operation: Promise<T>): Promise<T> {
  try {
    return await operation;
  } catch (error) {
    throw toHttpProblem(error);
  }
}

/** The reservation a reserve came to, or its refusal as an error (for asHttp to translate). */
export function reservationOrThrow(result: ReserveResult): Reservation {
  if (result.kind === 'refused') throw result.refusal;
  return result.reservation;
}
