/** Timestamp conversions for stored `created_at` values and time-based reads. */
import { nowTimestamp, timestampToRfc3339 } from "../../core/time.js";
import type { Timestamp } from "../../gen/google/protobuf/timestamp.js";
import { invalidArgument } from "../rpc-error.js";

// The span the stores can represent (years 0001–9999).
const MIN_SECONDS = -62_135_596_800;
const MAX_SECONDS = 253_402_300_799;
// Roughly the span chrono (the reference's time library) accepts; outside it the reference
// answers "Invalid timestamp".
const CHRONO_LIMIT_SECONDS = 8_210_266_876_799;

/**
 * RFC 3339 text of a page's `created_at`, or of now when absent (§5.4).
 * @throws RangeError `Invalid timestamp: seconds=…, nanos=…` for nanos outside 0–999,999,999
 * (Angzarr 0.5.1 then fails the append with INTERNAL `Failed to persist events: ` and this text).
 */
export function createdAtText(ts: Timestamp | undefined): string {
  if (ts && (!Number.isInteger(ts.nanos) || ts.nanos < 0 || ts.nanos > 999_999_999)) {
    throw new RangeError(`Invalid timestamp: seconds=${ts.seconds}, nanos=${ts.nanos}`);
  }
  return timestampToRfc3339(ts ?? nowTimestamp());
}

/**
 * RFC 3339 text of a query's `as_of_time`. Out-of-range nanos (or seconds beyond chrono's
 * range) → INVALID_ARGUMENT `Invalid timestamp: seconds=…, nanos=…`; valid instants outside
 * years 0001–9999 are clamped, which selects nothing or everything as the reference would.
 */
export function asOfTimeText(ts: Timestamp): string {
  if (!Number.isInteger(ts.nanos) || ts.nanos < 0 || ts.nanos > 999_999_999 || Math.abs(ts.seconds) > CHRONO_LIMIT_SECONDS) {
    throw invalidArgument(`Invalid timestamp: seconds=${ts.seconds}, nanos=${ts.nanos}`);
  }
  if (ts.seconds < MIN_SECONDS) return timestampToRfc3339({ seconds: MIN_SECONDS, nanos: 0 });
  if (ts.seconds > MAX_SECONDS) return timestampToRfc3339({ seconds: MAX_SECONDS, nanos: 999_999_999 });
  return timestampToRfc3339(ts);
}
