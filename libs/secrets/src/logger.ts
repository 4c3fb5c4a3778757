/** The little the lib logs; the platform hands in its pino logger. Messages never carry secret values. */
export interface SecretsLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLogger: SecretsLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
