/**
 * Where servers report failures that callers only see as a generic INTERNAL status (with a
 * reference to find the entry). Any object with these methods works, e.g. a pino logger
 * adapter: `{ error: (msg, fields) => pino.error(fields, msg), info: ... }`.
 */
export interface ServerLogger {
  /** An unexpected failure; `fields` carries `ref`, `component`, `method` and `error` (with its stack). */
  error(message: string, fields: Record<string, unknown>): void;
  /** Lifecycle information (listening, stopping). */
  info(message: string, fields: Record<string, unknown>): void;
}

function line(level: string, message: string, fields: Record<string, unknown>): string {
  const error = fields.error instanceof Error ? { error: fields.error.message, stack: fields.error.stack } : {};
  return JSON.stringify({ level, time: new Date().toISOString(), msg: message, ...fields, ...error });
}

/** Default logger: one JSON line per entry on stderr. */
export const consoleLogger: ServerLogger = {
  error: (message, fields) => console.error(line("error", message, fields)),
  info: (message, fields) => console.error(line("info", message, fields)),
};

/** A logger that drops everything. */
export const silentLogger: ServerLogger = {
  error: () => undefined,
  info: () => undefined,
};
