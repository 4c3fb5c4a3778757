import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { ValidationProblemException } from '@ecotrack/platform';
import type { Observable } from 'rxjs';

/** 13 to 19 digits, optionally grouped by spaces or dashes, passing the Luhn check: a card number. */
export function looksLikeCardNumber(value: unknown): boolean {
  if (typeof value !== 'string' && typeof value !== 'number') return false;
  const text = String(value);
  if (!/^[\d -]+$/.test(text)) return false;
  const digits = text.replace(/[ -]/g, '');
  if (digits.length < 13 || digits.length > 19) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
    sum += digit;
  }
  return sum % 10 === 0;
}

/** Paths (dotted) of every value in the body that looks like a card number, at any depth. */
export function cardNumberFields(body: unknown, path = ''): string[] {
  if (Array.isArray(body)) return body.flatMap((item, index) => cardNumberFields(item, path ? `${path}.${index}` : String(index)));
  if (body && typeof body === 'object') {
    return Object.entries(body).flatMap(([key, value]) => cardNumberFields(value, path ? `${path}.${key}` : key));
  }
  return looksLikeCardNumber(body) ? [path] : [];
}

/**
 * Card data never enters this service (PCI scope stays with the providers): a body
 * holding anything card-number-like is refused before validation, and the 400
 * names the field without echoing the value.
 */
@Injectable()
export class RejectCardData implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const fields = cardNumberFields(context.switchToHttp().getRequest<{ body?: unknown }>().body);
    if (fields.length) {
      throw new ValidationProblemException(
        fields.map((field) => ({ field, message: `${field} looks like a card number; send a provider token instead` })),
      );
    }
    return next.handle();
  }
}
