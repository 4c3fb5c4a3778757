import { BadRequestException, ParseUUIDPipe, ValidationPipe, type ValidationError } from '@nestjs/common';
import { problem, ProblemType, type FieldError } from './problem';

/** A 400 whose body names each invalid field. */
export class ValidationProblemException extends BadRequestException {
  constructor(readonly errors: FieldError[]) {
    super(
      problem(400, {
        type: ProblemType.validation,
        title: 'Request validation failed',
        detail: errors.map((error) => `${error.field}: ${error.message}`).join('; '),
        errors,
      }),
    );
  }
}

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/**
 * Strict validation: unknown properties are rejected (not silently dropped), and
 * values are converted to the DTO's declared types.
 */
export function strictValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    // One message per field: the first constraint that fails.
    stopAtFirstError: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new ValidationProblemException(flatten(errors)),
  });
}

/** A path parameter that must be a UUID; the 400 names the parameter. */
export function uuidParam(name: string): ParseUUIDPipe {
  return new ParseUUIDPipe({
    exceptionFactory: () => new ValidationProblemException([{ field: name, message: `${name} must be a UUID` }]),
  });
}
