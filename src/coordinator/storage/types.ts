/**
 * The coordinator's storage contract. Backends store opaque protobuf bytes (`EventPage`,
 * `Snapshot`) plus the few columns the coordinator needs to query by; they never decode them.
 */

/** Edition name of the main timeline (what Angzarr 0.5.1 stores in the `edition` column). */
export const MAIN_EDITION = "angzarr";

/** `SnapshotRetention.RETENTION_TRANSIENT`: such snapshots are pruned by newer snapshot writes. */
export const RETENTION_TRANSIENT = 2;

/** Identifies one event stream. Backends store these strings verbatim and never normalise them. */
export interface AggregateKey {
  /** Domain of the aggregate. */
  domain: string;
  /** {@link MAIN_EDITION} for the main timeline; any other name is a branch with its own rows. */
  edition: string;
  /** Lowercase hyphenated UUID text. */
  root: string;
}

/** One stored event row. */
export interface StoredEvent {
  /** Domain of the aggregate. */
  domain: string;
  /** Edition the event belongs to ({@link MAIN_EDITION} for the main timeline). */
  edition: string;
  /** Root of the aggregate (lowercase hyphenated UUID text). */
  root: string;
  /** Position of the event in its aggregate's stream. */
  sequence: number;
  /**
   * Normalised RFC 3339 UTC instant with nine fractional digits,
   * e.g. `2024-01-15T10:30:00.123000000Z`, whatever precision or offset was appended.
   */
  createdAt: string;
  /** Encoded `EventPage`, byte-for-byte as appended. */
  data: Uint8Array;
  /** Empty string when the event was stored without one. */
  correlationId: string;
  /** Empty string unless the event was stored by an idempotent (fact) append. */
  externalId: string;
}

/** One event to append; the row's other columns come from the {@link AppendRequest}. */
export interface NewEvent {
  /** Non-negative safe integer. */
  sequence: number;
  /** RFC 3339 instant with any offset and up to nine fractional digits. */
  createdAt: string;
  /** Encoded `EventPage`. */
  data: Uint8Array;
}

/** A batch of events for one aggregate, written all-or-nothing. */
export interface AppendRequest {
  /** The aggregate appended to. */
  key: AggregateKey;
  /** Correlation id stored on every row; "" for none. */
  correlationId: string;
  /**
   * Non-empty → idempotent append keyed by (domain, edition, root, externalId).
   * @default none (a plain append)
   */
  externalId?: string;
  /** The events, in ascending sequence order. */
  events: NewEvent[];
}

/** Outcome of {@link EventStore.append}. */
export type AppendResult =
  | {
      /** The events were written. */
      kind: "appended";
    }
  | {
      /** The external id was already stored; nothing was written. */
      kind: "duplicate";
      /** First sequence stored under that external id (inclusive). */
      firstSequence: number;
      /** Last sequence stored under that external id (inclusive). */
      lastSequence: number;
    };

/** One stored snapshot. */
export interface StoredSnapshot {
  /** Sequence of the last event the snapshot covers. */
  sequence: number;
  /** Encoded `Snapshot`. */
  data: Uint8Array;
  /** `SnapshotRetention` value: 0 default, 1 persist, 2 transient. */
  retention: number;
}

/** Inclusive sequence bounds; a missing bound is unbounded. */
export interface SequenceRange {
  /** Lowest sequence read. @default unbounded */
  from?: number;
  /** Highest sequence read. @default unbounded */
  to?: number;
}

/**
 * Event and snapshot persistence used by the embedded coordinator.
 *
 * Errors: {@link SequenceConflictError} for optimistic-concurrency conflicts, `RangeError` for
 * malformed arguments (bad sequence numbers or timestamps; detected before anything is written),
 * {@link StorageError} for every driver or I/O failure, including use after {@link close}.
 */
export interface EventStore {
  /** Which backend this is. */
  readonly kind: "memory" | "sqlite" | "postgres";

  /**
   * Appends a batch of events to one aggregate atomically: all of them or none.
   *
   * Sequence rule (checked against the stored state at write time): each event's sequence must
   * be at least the previous one + 1, where "previous" is the aggregate's current maximum for the
   * first event (−1 when empty) and the preceding event for the rest. Gaps are accepted. A
   * violation throws {@link SequenceConflictError}
   * (`Sequence conflict: expected B, got S`) and writes nothing.
   *
   * Idempotency: when `externalId` is non-empty and rows with that
   * (domain, edition, root, externalId) exist, nothing is written and the result is `duplicate`
   * with their first and last sequence. That check precedes the sequence rule and runs in the
   * same atomic step as the insert, so concurrent duplicates cannot both be written.
   *
   * An empty batch writes nothing and returns `appended` (after the idempotency check).
   */
  append(req: AppendRequest): Promise<AppendResult>;

  /** Highest stored sequence of exactly this key, or `undefined` when it has no events. */
  maxSequence(key: AggregateKey): Promise<number | undefined>;

  /**
   * Events of exactly this key (no main-timeline inheritance for editions) in ascending sequence
   * order, limited to the inclusive `range` when given.
   */
  read(key: AggregateKey, range?: SequenceRange): Promise<StoredEvent[]>;

  /**
   * Events of exactly this key whose `createdAt` is at or before the RFC 3339 instant `until`
   * (compared as instants at nanosecond precision, any offset), in ascending sequence order.
   */
  readUntilTime(key: AggregateKey, until: string): Promise<StoredEvent[]>;

  /**
   * Every event carrying this correlation id, across all domains, editions and roots, ordered
   * by (domain, edition, root, sequence) with strings compared by code unit. An empty id
   * matches nothing (it means "uncorrelated", not a correlation).
   */
  readByCorrelation(correlationId: string): Promise<StoredEvent[]>;

  /**
   * Distinct (domain, root) pairs having at least one event on {@link MAIN_EDITION}, ordered by
   * domain then root (code-unit order). Roots that only exist on other editions are omitted.
   */
  listRoots(): Promise<Array<{ domain: string; root: string }>>;

  /**
   * Stores a snapshot for this key, replacing one stored at the same sequence, and deletes this
   * key's transient snapshots ({@link RETENTION_TRANSIENT}) with a lower sequence. Other
   * snapshots are kept. Not atomic with event appends (as in Angzarr).
   */
  putSnapshot(key: AggregateKey, snap: StoredSnapshot): Promise<void>;

  /** The snapshot with the highest sequence for exactly this key, or `undefined`. */
  latestSnapshot(key: AggregateKey): Promise<StoredSnapshot | undefined>;

  /** Every stored snapshot of exactly this key, ascending by sequence (for inspection tools). */
  listSnapshots(key: AggregateKey): Promise<StoredSnapshot[]>;

  /** Releases connections and file handles. Idempotent; every other call fails afterwards. */
  close(): Promise<void>;
}

/** Optimistic-concurrency failure of {@link EventStore.append}; nothing was written. */
export class SequenceConflictError extends Error {
  /** `"SequenceConflictError"`. */
  override readonly name = "SequenceConflictError";

  /**
   * A conflict with message `Sequence conflict: expected <expected>, got <got>`.
   * @param expected the lowest sequence that would have been accepted at that position
   * @param got the offending sequence
   */
  constructor(
    /** The lowest sequence that would have been accepted at that position. */
    readonly expected: number,
    /** The offending sequence. */
    readonly got: number,
  ) {
    super(`Sequence conflict: expected ${expected}, got ${got}`);
  }
}

/** A storage driver or I/O failure; the driver's error is kept as `cause`. */
export class StorageError extends Error {
  /** `"StorageError"`. */
  override readonly name = "StorageError";

  /**
   * A storage failure described by `message`.
   * @param options - `cause`: the driver's error.
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
