/**
 * The SDK's one logger, shared by the embedded coordinator and the business-logic servers,
 * built on pino: JSON lines when its destination is not a terminal, readable
 * `<ISO time> <LEVEL> <message> key=value…` lines when it is (or when asked).
 */
import { pino, type DestinationStream } from "pino";

/** Log levels, most severe first. */
export const LOG_LEVELS = ["error", "warn", "info", "debug"] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * How {@link createLogger} writes lines: `"json"` (one JSON object per line, pino's format),
 * `"text"` (`<ISO time> <LEVEL> <message> key=value…`) or `"auto"` (text on a terminal, JSON
 * otherwise).
 */
export const LOG_FORMATS = ["auto", "json", "text"] as const;
/** One of {@link LOG_FORMATS}. */
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Structured context attached to a log line. */
export type LogFields = Record<string, unknown>;

/** Where the coordinator and the servers write their logs. */
export interface Logger {
  /** Unexpected failures of a call, and asynchronous deliveries that failed. */
  error(message: string, fields?: LogFields): void;
  /** Problems that did not fail the caller: a saga or process-manager command that failed, a stop that cut work short. */
  warn(message: string, fields?: LogFields): void;
  /** Lifecycle messages: listening, stopped. */
  info(message: string, fields?: LogFields): void;
  /** One line per call: method, domain, root, sequence, status code and duration (never a payload or a token). */
  debug(message: string, fields?: LogFields): void;
  /**
   * Whether lines at `level` are written; callers skip building fields when it says false.
   * @default absent: every level is assumed to be written
   */
  isLevelEnabled?(level: LogLevel): boolean;
}

/**
 * What business-logic servers need of a logger: `error` and `info`, and `debug` for the
 * per-request line when present. Every {@link Logger} is one, and so is any object with these
 * methods, e.g. an adapter over an application's own logger.
 */
export interface ServerLogger {
  /** An unexpected failure; `fields` carries `ref`, `component`, `method` and `error` (with its stack). */
  error(message: string, fields: LogFields): void;
  /** Lifecycle information (listening, stopped). */
  info(message: string, fields: LogFields): void;
  /** The per-request line (method, domain, root, sequence, code, ms). @default absent: no per-request lines */
  debug?(message: string, fields: LogFields): void;
  /** As {@link Logger.isLevelEnabled}. @default absent: every level is assumed to be written */
  isLevelEnabled?(level: LogLevel): boolean;
}

/** True when `value` names a log level. */
export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/** True when `value` names a log format. */
export function isLogFormat(value: string): value is LogFormat {
  return (LOG_FORMATS as readonly string[]).includes(value);
}

/** Errors become their message plus a `stack` field; JSON would otherwise print them as `{}`. */
function plain(fields: LogFields | undefined): LogFields {
  if (!fields) return {};
  let out: LogFields | undefined;
  for (const [key, value] of Object.entries(fields)) {
    if (value instanceof Error) {
      out ??= { ...fields };
      out[key] = value.message;
      out.stack = value.stack;
    }
  }
  return out ?? fields;
}

/** One pino JSON line as `<ISO time> <LEVEL> <message> key=value…`. */
function toText(json: string): string {
  const { time, level, msg, ...rest } = JSON.parse(json) as Record<string, unknown>;
  const extra = Object.entries(rest)
    .map(([k, v]) => ` ${k}=${typeof v === "string" || (typeof v === "object" && v !== null) ? JSON.stringify(v) : String(v)}`)
    .join("");
  return `${String(time)} ${String(level).toUpperCase()} ${String(msg)}${extra}\n`;
}

/**
 * A pino-backed logger writing lines at or above `level`.
 * @param level - least severe level written (default `"info"`).
 * @param write - receives each line, newline included (default: standard error).
 * @param format - default `"text"` when `write` is given (what tests and embedders capture),
 * otherwise `"auto"`: text when standard error is a terminal, JSON lines when it is not.
 * @example
 * const lines: string[] = [];
 * const coordinator = await startCoordinator({ routes, logger: createLogger("debug", (line) => lines.push(line)) });
 */
export function createLogger(level: LogLevel = "info", write?: (line: string) => void, format?: LogFormat): Logger {
  const chosen = format ?? (write ? "text" : "auto");
  const text = chosen === "text" || (chosen === "auto" && !write && process.stderr.isTTY === true);
  const out = write ?? ((line: string) => void process.stderr.write(line));
  let destination: DestinationStream;
  if (text) destination = { write: (line: string) => out(toText(line)) };
  else if (write) destination = { write: (line: string) => out(line) };
  else destination = pino.destination({ fd: 2, sync: true });
  const base = pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  const threshold = LOG_LEVELS.indexOf(level);
  const enabled = (at: LogLevel) => LOG_LEVELS.indexOf(at) <= threshold;
  const emit = (at: LogLevel) => (enabled(at) ? (message: string, fields?: LogFields) => base[at](plain(fields), message) : () => undefined);
  return { error: emit("error"), warn: emit("warn"), info: emit("info"), debug: emit("debug"), isLevelEnabled: enabled };
}

/** A logger that discards everything. */
export const silentLogger: Logger = { error() {}, warn() {}, info() {}, debug() {}, isLevelEnabled: () => false };

let processLogger: Logger | undefined;

/**
 * The default logger of business-logic servers: {@link createLogger} on standard error at the
 * level of `ANGZARR_LOG` (default `info`) in the format of `ANGZARR_LOG_FORMAT` (default `auto`:
 * JSON lines unless standard error is a terminal). Created on first use.
 */
export const consoleLogger: Logger = {
  error: (message, fields) => defaultLogger().error(message, fields),
  warn: (message, fields) => defaultLogger().warn(message, fields),
  info: (message, fields) => defaultLogger().info(message, fields),
  debug: (message, fields) => defaultLogger().debug(message, fields),
  isLevelEnabled: (level) => defaultLogger().isLevelEnabled!(level),
};

function defaultLogger(): Logger {
  if (!processLogger) {
    const level = (process.env.ANGZARR_LOG ?? "").trim().toLowerCase();
    const format = (process.env.ANGZARR_LOG_FORMAT ?? "").trim().toLowerCase();
    processLogger = createLogger(isLogLevel(level) ? level : "info", undefined, isLogFormat(format) ? format : "auto");
  }
  return processLogger;
}

/** A root's 16 bytes as a UUID, other lengths as hex. */
function rootText(value: unknown): string | undefined {
  if (!(value instanceof Uint8Array) || value.length === 0) return undefined;
  const hex = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex");
  return value.length === 16 ? `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}` : hex;
}

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === "object" && x !== null && !(x instanceof Uint8Array);

/**
 * The identifying fields of an Angzarr request for the per-request log line: `domain`, `root`
 * (as a UUID) and `sequence` (of the first command or event page), found on the request's
 * cover or on the cover of the book it carries. Never a payload, never metadata.
 * @internal
 */
export function requestFields(request: unknown): LogFields {
  if (!isObj(request)) return {};
  // The book a request is about: itself (EventBook, Query), or the one it carries.
  const books = [request, request.command, request.events, request.source, request.trigger, request.facts].filter(isObj);
  const fields: LogFields = {};
  for (const book of books) {
    const cover = book.cover;
    if (!isObj(cover)) continue;
    if (typeof cover.domain === "string" && cover.domain) fields.domain = cover.domain;
    const root = isObj(cover.root) ? rootText(cover.root.value) : undefined;
    if (root) fields.root = root;
    const pages = book.pages;
    const header = Array.isArray(pages) && isObj(pages[0]) ? pages[0].header : undefined;
    const seq = isObj(header) && isObj(header.sequenceType) && header.sequenceType.$case === "sequence" ? header.sequenceType.value : undefined;
    if (typeof seq === "number") fields.sequence = seq;
    break;
  }
  if (fields.domain === undefined && typeof request.domain === "string" && request.domain) fields.domain = request.domain;
  return fields;
}
