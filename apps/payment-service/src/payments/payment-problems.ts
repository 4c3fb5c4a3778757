import { ConflictException, HttpException, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { problem } from '@ecotrack/platform';
import { PaymentGatewayError, ProviderUnavailableError } from '../providers/payment-gateway';
import { IllegalTransitionError, PaymentNotFoundError } from './payment.errors';

/** The HTTP face of payment outcomes (the saga will map the same errors to replies). */
export function toHttpProblem(error: unknown): HttpException | unknown {
  if (error instanceof PaymentNotFoundError) return new NotFoundException(error.message);
  if (error instanceof IllegalTransitionError) {
    return new ConflictException(
      problem(409, { type: 'urn:ecotrack:problem:illegal-payment-transition', title: 'Illegal payment transition', detail: error.message, paymentId: error.paymentId, from: error.from, operation: error.operation }),
    );
  }
  // A provider this deployment has no credentials for: asking again will not help, so no 503.
  if (error instanceof ProviderUnavailableError) {
    return new UnprocessableEntityException(
      problem(422, { type: 'urn:ecotrack:problem:provider-unavailable', title: 'Payment provider not offered', detail: error.message, provider: error.provider }),
    );
  }
  if (error instanceof PaymentGatewayError) {
    const status = error.kind === 'declined' ? 402 : error.kind === 'unavailable' ? 503 : 502;
    return new HttpException(
      problem(status, { type: `urn:ecotrack:problem:payment-${error.kind}`, title: `Payment ${error.kind}`, detail: error.message, provider: error.provider }),
      status,
    );
  }
  return error;
}
