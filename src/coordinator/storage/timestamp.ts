/**
 * Canonical text form for `created_at`. Angzarr stores RFC 3339 text and compares it as text;
 * fixed-width UTC with nine fractional digits makes text order equal instant order, so every
 * backend can compare with plain `<=` while keeping nanosecond precision.
 */

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * Converts an RFC 3339 timestamp (any offset, 0–9 fractional digits) to
 * `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` in UTC. Throws `RangeError` for anything else.
 */
export function normaliseTimestamp(text: string): string {
  const m = RFC3339.exec(text);
  if (!m) throw new RangeError(`Invalid RFC 3339 timestamp: ${JSON.stringify(text)}`);
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const [offsetHours, offsetMins] = [Number(m[10] ?? 0), Number(m[11] ?? 0)];
  const offsetMinutes = (m[9] === "-" ? -1 : 1) * (offsetHours * 60 + offsetMins);

  // setUTCFullYear avoids Date.UTC's mapping of years 0–99 to 1900–1999.
  const calendar = new Date(0);
  calendar.setUTCFullYear(year, month - 1, day);
  const dateValid = calendar.getUTCMonth() === month - 1; // rolls over for e.g. Feb 30 or month 13
  // A leap second (:60) is accepted by RFC 3339; it sorts as the next second's start.
  const timeValid = hour <= 23 && minute <= 59 && second <= 60 && offsetHours <= 23 && offsetMins <= 59;
  if (!dateValid || !timeValid) throw new RangeError(`Invalid RFC 3339 timestamp: ${JSON.stringify(text)}`);
  const instant = new Date(calendar.getTime() + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000);
  const utcYear = instant.getUTCFullYear();
  if (utcYear < 0 || utcYear > 9999) {
    throw new RangeError(`Timestamp outside years 0000–9999 once converted to UTC: ${JSON.stringify(text)}`);
  }
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  const nanos = (m[7] ?? "").padEnd(9, "0");
  return (
    `${pad(utcYear, 4)}-${pad(instant.getUTCMonth() + 1)}-${pad(instant.getUTCDate())}` +
    `T${pad(instant.getUTCHours())}:${pad(instant.getUTCMinutes())}:${pad(instant.getUTCSeconds())}.${nanos}Z`
  );
}

/** The current time as canonical stored text (`YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`), not a protobuf Timestamp. */
export function nowStoredTimestamp(): string {
  return normaliseTimestamp(new Date().toISOString());
}
