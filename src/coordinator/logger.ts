/** A minimal levelled logger; the coordinator logs through whatever implements {@link Logger}. */

/** Log levels, most severe first. */
export const LOG_LEVELS = ["error", "warn", "info", "debug"] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Structured context attached to a log line. */
export type LogFields = Record<string, unknown>;

/** Where the coordinator writes its logs. */
export interface Logger {
  /** Unexpected failures of a call, and asynchronous deliveries that failed. */
  error(message: string, fields?: LogFields): void;
  /** Problems that did not fail the caller: a saga or process-manager command that failed, a stop that cut work short. */
  warn(message: string, fields?: LogFields): void;
  /** Lifecycle messages, e.g. that the coordinator stopped. */
  info(message: string, fields?: LogFields): void;
  /** One line per call: method, status code and duration. */
  debug(message: string, fields?: LogFields): void;
}

/** True when `value` names a log level. */
export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/**
 * A logger printing `<ISO time> <LEVEL> <message> key=value…` lines at or above `level`
 * to `write` (default: stderr).
 * @param level - least severe level printed (default `"info"`).
 * @example
 * const lines: string[] = [];
 * const coordinator = await startCoordinator({ routes, logger: createLogger("debug", (line) => lines.push(line)) });
 */
export function createLogger(level: LogLevel = "info", write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const emit = (at: LogLevel) => (message: string, fields?: LogFields) => {
    if (LOG_LEVELS.indexOf(at) > threshold) return;
    const extra = fields
      ? Object.entries(fields)
          .map(([k, v]) => ` ${k}=${typeof v === "string" ? JSON.stringify(v) : String(v)}`)
          .join("")
      : "";
    write(`${new Date().toISOString()} ${at.toUpperCase()} ${message}${extra}\n`);
  };
  return { error: emit("error"), warn: emit("warn"), info: emit("info"), debug: emit("debug") };
}

/** A logger that discards everything. */
export const silentLogger: Logger = { error() {}, warn() {}, info() {}, debug() {} };
