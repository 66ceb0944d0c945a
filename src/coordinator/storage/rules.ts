/** Argument checks and the append sequence rule, shared by every backend. */
import { normaliseTimestamp } from "./timestamp.js";
import { SequenceConflictError, type AppendRequest, type StoredSnapshot } from "./types.js";

/** An event ready to be written: validated sequence, canonical `createdAt`. */
export interface PreparedEvent {
  sequence: number;
  createdAt: string;
  data: Uint8Array;
}

function checkSequenceNumber(what: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} must be a non-negative integer, got ${n}`);
}

/**
 * Validates a batch before any transaction starts, so malformed input never reaches a driver
 * and never counts as a storage failure. Throws `RangeError`.
 */
export function prepareEvents(req: AppendRequest): PreparedEvent[] {
  return req.events.map((e) => {
    checkSequenceNumber("Event sequence", e.sequence);
    return { sequence: e.sequence, createdAt: normaliseTimestamp(e.createdAt), data: e.data };
  });
}

/** Validates a snapshot's numeric fields. Throws `RangeError`. */
export function checkSnapshot(snap: StoredSnapshot): void {
  checkSequenceNumber("Snapshot sequence", snap.sequence);
  if (!Number.isInteger(snap.retention)) throw new RangeError(`Snapshot retention must be an integer, got ${snap.retention}`);
}

/**
 * The append rule: every sequence must exceed the one before it, the stored maximum standing
 * before the first event. Throws {@link SequenceConflictError} naming the lowest acceptable value.
 */
export function checkSequences(currentMax: number | undefined, events: readonly PreparedEvent[]): void {
  let previous = currentMax ?? -1;
  for (const { sequence } of events) {
    if (sequence <= previous) throw new SequenceConflictError(previous + 1, sequence);
    previous = sequence;
  }
}

/** The external id that makes an append idempotent, or undefined when it is not idempotent. */
export function idempotencyKey(req: AppendRequest): string | undefined {
  return req.externalId ? req.externalId : undefined;
}

/**
 * Orders strings the way SQLite's BINARY and PostgreSQL's "C" collation do: by UTF-8 bytes,
 * i.e. by code point (JavaScript's `<` compares UTF-16 units, which differs above U+FFFF).
 */
export function compareText(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** A fresh plain `Uint8Array` copy (drivers hand out pooled `Buffer`s). */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/**
 * Bytes a driver just produced for this read, as a plain `Uint8Array`: a view when they have
 * their own memory (nothing else can see or change it), a copy when they sit in a shared pool.
 */
export function ownBytes(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.byteLength
    ? new Uint8Array(bytes.buffer, 0, bytes.byteLength)
    : new Uint8Array(bytes);
}
