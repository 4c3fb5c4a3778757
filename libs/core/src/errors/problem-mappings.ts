/** What a lib says about one of its errors: the status and the text a client may see. */
export interface MappedProblem {
  status: number;
  /** Shown to the client: never internals (paths, hosts, credentials). */
  detail: string;
  /** A problem type URI of its own; default about:blank with the status's title. */
  type?: string;
  title?: string;
}

type ErrorClass<E extends Error> = abstract new (...args: never[]) => E;

interface Mapping {
  errorClass: ErrorClass<Error>;
  map(error: Error): MappedProblem | undefined;
}

const mappings: Mapping[] = [];

/**
 * Registers how errors of this class become a problem. The lib that defines an error registers
 * it beside the class (so it holds wherever the error can be thrown), and platform's problem
 * filter consults the registry: the platform does not need to know each lib's errors. `map`
 * returns undefined for an error it leaves to the default (a 500 without internals).
 */
export function mapErrorsToProblems<E extends Error>(errorClass: ErrorClass<E>, map: (error: E) => MappedProblem | undefined): void {
  mappings.push({ errorClass, map: map as (error: Error) => MappedProblem | undefined });
}

/** The problem a registered mapping gives this error, if any (the first that answers). */
export function mappedProblem(error: unknown): MappedProblem | undefined {
  for (const { errorClass, map } of mappings) {
    if (error instanceof errorClass) {
      const mapped = map(error);
      if (mapped) return mapped;
    }
  }
  return undefined;
}
