import { BadRequestException, ParseUUIDPipe, ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { findUnstorableText } from '../http/request-text';
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

/** What a handler reads from the request; custom decorators (@CurrentUser) carry no client text. */
const CLIENT_INPUT = new Set<ArgumentMetadata['type']>(['body', 'query', 'param']);

/**
 * The global pipe: every decoded string a handler reads (body, query, path parameters) is
 * checked for text that cannot be stored before any other validation or conversion runs, so
 * no handler, DTO or template has to think of NUL or unpaired surrogates; then class-validator.
 */
class StrictValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (CLIENT_INPUT.has(metadata.type)) {
      const unstorable = findUnstorableText(value, metadata.data ?? '');
      if (unstorable) throw new ValidationProblemException([unstorable]);
    }
    return super.transform(value, metadata);
  }
}

/**
 * Strict validation: unknown properties are rejected (not silently dropped), and
 * values are converted to the DTO's declared types.
 */
export function strictValidationPipe(): ValidationPipe {
  return new StrictValidationPipe({
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
