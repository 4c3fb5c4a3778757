import { STATUS_CODES } from 'node:http';

/** RFC 9457 problem details. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  /** For validation problems: which field is wrong and why. */
  errors?: FieldError[];
  [extension: string]: unknown;
}

export interface FieldError {
  field: string;
  message: string;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Problem types specific to EcoTrack; anything else uses about:blank (RFC 9457 §4.2.1). */
export const ProblemType = {
  validation: 'urn:ecotrack:problem:validation-error',
  malformedBody: 'urn:ecotrack:problem:malformed-body',
  unexpectedBody: 'urn:ecotrack:problem:unexpected-body',
} as const;

export function problem(status: number, fields: Partial<Problem> = {}): Problem {
  return {
    type: 'about:blank',
    title: STATUS_CODES[status] ?? 'Error',
    status,
    ...fields,
  };
}
