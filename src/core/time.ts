import type { Timestamp } from "../gen/google/protobuf/timestamp.js";
import { InvalidTimestampError } from "../errors.js";

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Anything the SDK accepts where a point in time is expected. */
export type TimeInput = Date | string | Timestamp;

/**
 * Parse an RFC 3339 timestamp (e.g. `2024-01-15T10:30:00Z`, `2024-01-15T10:30:00.123456789+02:00`)
 * keeping nanosecond precision.
 * @throws InvalidTimestampError naming the problem (format, field or offset out of range).
 * @example
 * parseTimestamp("2024-01-15T10:30:00.5+02:00"); // { seconds: 1705307400, nanos: 500000000 }
 */
export function parseTimestamp(text: string): Timestamp {
  const m = RFC3339.exec(text);
  if (!m) throw new InvalidTimestampError(text, "not in RFC 3339 format (YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM))");
  const [, y, mo, d, h, mi, s, frac, , sign, oh, om] = m;
  const fields = { year: +y!, month: +mo!, day: +d!, hour: +h!, minute: +mi!, second: +s! };
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  const check = new Date(Date.UTC(2000, 0, 1, fields.hour, fields.minute, fields.second));
  check.setUTCFullYear(fields.year, fields.month - 1, fields.day);
  if (fields.year < 1) throw new InvalidTimestampError(text, "year out of range (0001-9999)");
  if (fields.month < 1 || fields.month > 12 || check.getUTCDate() !== fields.day || fields.hour > 23 || fields.minute > 59 || fields.second > 59) {
    throw new InvalidTimestampError(text, "date or time field out of range");
  }
  const base = check.getTime();
  const offsetMinutes = sign ? (sign === "-" ? -1 : 1) * (+oh! * 60 + +om!) : 0;
  if (sign && (+oh! > 23 || +om! > 59)) throw new InvalidTimestampError(text, "UTC offset out of range");
  const seconds = Math.floor(base / 1000) - offsetMinutes * 60;
  const nanos = frac ? Number(frac.padEnd(9, "0")) : 0;
  return { seconds, nanos };
}

/**
 * Convert a Date, RFC 3339 string or Timestamp to a Timestamp.
 * @throws InvalidTimestampError for an invalid Date, a malformed string, or a Timestamp whose
 * `seconds` is not a safe integer or whose `nanos` is outside 0..999999999.
 */
export function toTimestamp(value: TimeInput): Timestamp {
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw new InvalidTimestampError(String(value), "invalid Date");
    return { seconds: Math.floor(ms / 1000), nanos: (((ms % 1000) + 1000) % 1000) * 1_000_000 };
  }
  if (typeof value === "string") return parseTimestamp(value);
  if (!Number.isSafeInteger(value.seconds) || !Number.isInteger(value.nanos) || value.nanos < 0 || value.nanos > 999_999_999) {
    throw new InvalidTimestampError(
      `{ seconds: ${value.seconds}, nanos: ${value.nanos} }`,
      "seconds must be an integer and nanos an integer in 0..999999999",
    );
  }
  return value;
}

/** Timestamp -> Date (millisecond precision). */
export function timestampToDate(ts: Timestamp): Date {
  return new Date(ts.seconds * 1000 + Math.floor(ts.nanos / 1_000_000));
}

/** Timestamp -> `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` (fixed width, so text order is time order). */
export function timestampToRfc3339(ts: Timestamp): string {
  const whole = new Date(ts.seconds * 1000).toISOString().slice(0, 19);
  return `${whole}.${String(ts.nanos).padStart(9, "0")}Z`;
}

/** The current time as a Timestamp. */
export function nowTimestamp(): Timestamp {
  return toTimestamp(new Date());
}
