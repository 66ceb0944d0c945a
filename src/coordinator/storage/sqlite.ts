import type BetterSqlite3 from "better-sqlite3";
import { loadDriver } from "./driver.js";
import { checkSequences, checkSnapshot, idempotencyKey, ownBytes, prepareEvents, type PreparedEvent } from "./rules.js";
import { normaliseTimestamp, nowStoredTimestamp } from "./timestamp.js";
import {
  MAIN_EDITION,
  RETENTION_TRANSIENT,
  SequenceConflictError,
  StorageError,
  type AggregateKey,
  type AppendRequest,
  type AppendResult,
  type EventStore,
  type SequenceRange,
  type StoredEvent,
  type StoredSnapshot,
} from "./types.js";

/** Columns as in Angzarr 0.5.1 (COORDINATOR.md §14.2), so the layout stays familiar. */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  domain TEXT NOT NULL,
  edition TEXT NOT NULL,
  root TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  event_data BLOB NOT NULL,
  correlation_id TEXT NOT NULL DEFAULT '',
  external_id TEXT NOT NULL DEFAULT '',
  source_edition TEXT,
  source_domain TEXT,
  source_root TEXT,
  source_seq INTEGER,
  committed INTEGER NOT NULL DEFAULT 1,
  cascade_id TEXT,
  PRIMARY KEY (domain, edition, root, sequence)
);
CREATE INDEX IF NOT EXISTS idx_events_correlation ON events (correlation_id);
CREATE INDEX IF NOT EXISTS idx_events_external ON events (domain, edition, root, external_id) WHERE external_id != '';
CREATE INDEX IF NOT EXISTS idx_events_created_at ON events (domain, edition, root, created_at);
CREATE TABLE IF NOT EXISTS snapshots (
  domain TEXT NOT NULL,
  edition TEXT NOT NULL,
  root TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  state_data BLOB NOT NULL,
  retention INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  PRIMARY KEY (domain, edition, root, sequence)
);
`;

const KEY = "domain = ? AND edition = ? AND root = ?";
const EVENT_COLUMNS = "domain, edition, root, sequence, created_at, event_data, correlation_id, external_id";
/** The columns a read of one key needs (its domain, edition and root are the key's). */
const KEY_EVENT_COLUMNS = "sequence, created_at, event_data, correlation_id, external_id";

interface EventRow {
  domain: string;
  edition: string;
  root: string;
  sequence: number;
  created_at: string;
  event_data: Uint8Array;
  correlation_id: string;
  external_id: string;
}

/** A row of {@link KEY_EVENT_COLUMNS}, as better-sqlite3's raw mode returns it. */
type KeyEventRow = [sequence: number, createdAt: string, data: Uint8Array, correlationId: string, externalId: string];

/** The rows of one key: fewer columns to fetch and fewer strings to allocate than {@link toEvent}. */
const toKeyEvents = (key: AggregateKey, rows: KeyEventRow[]): StoredEvent[] => {
  const { domain, edition, root } = key;
  const events = new Array<StoredEvent>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    events[i] = { domain, edition, root, sequence: r[0], createdAt: r[1], data: ownBytes(r[2]), correlationId: r[3], externalId: r[4] };
  }
  return events;
};

const toEvent = (r: EventRow): StoredEvent => ({
  domain: r.domain,
  edition: r.edition,
  root: r.root,
  sequence: r.sequence,
  createdAt: r.created_at,
  data: ownBytes(r.event_data),
  correlationId: r.correlation_id,
  externalId: r.external_id,
});

interface SnapshotRow {
  sequence: number;
  state_data: Uint8Array;
  retention: number;
}

const toSnapshot = (r: SnapshotRow): StoredSnapshot => ({
  sequence: r.sequence,
  data: ownBytes(r.state_data),
  retention: r.retention,
});

const keyParams = (k: AggregateKey) => [k.domain, k.edition, k.root] as const;

/** better-sqlite3 binds `Buffer`s; a view avoids copying the caller's bytes. */
const blob = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * Opens (creating if needed) a SQLite event store. `path` defaults to a private in-memory
 * database; a file path gets WAL journaling. The directory must exist.
 * @throws Error naming `better-sqlite3` when the optional driver is not installed;
 * StorageError when the database cannot be opened or its tables created.
 * @example
 * const store = await openSqliteEventStore("./data/events.db"); // e.g. to inspect a coordinator's file
 * const events = await store.read({ domain: "orders", edition: MAIN_EDITION, root });
 * await store.close();
 */
export async function openSqliteEventStore(path = ":memory:"): Promise<SqliteEventStore> {
  const { default: Database } = await loadDriver(() => import("better-sqlite3"), "SQLite", "better-sqlite3", "12");
  let db: BetterSqlite3.Database | undefined;
  try {
    // Same busy timeout as Angzarr: writers from other connections wait instead of failing.
    db = new Database(path, { timeout: 30_000 });
    if (!db.memory) db.pragma("journal_mode = WAL");
    db.exec(SCHEMA);
    return new SqliteEventStore(db);
  } catch (cause) {
    db?.close();
    throw new StorageError(`Cannot open SQLite event store at ${path}: ${(cause as Error).message}`, { cause });
  }
}

/** SQLite backend. better-sqlite3 is synchronous, so calls from one process never interleave. */
export class SqliteEventStore implements EventStore {
  readonly kind = "sqlite";
  private readonly stmt;
  private readonly appendTx;
  private readonly putSnapshotTx;

  /**
   * Use {@link openSqliteEventStore}, which loads the driver, opens the database and creates the tables.
   * @param db an open better-sqlite3 database that already has the event store's tables
   */
  constructor(private readonly db: BetterSqlite3.Database) {
    this.stmt = {
      max: db.prepare(`SELECT MAX(sequence) AS max FROM events WHERE ${KEY}`),
      externalRange: db.prepare(`SELECT MIN(sequence) AS first, MAX(sequence) AS last FROM events WHERE ${KEY} AND external_id = ?`),
      insert: db.prepare(`INSERT INTO events (${EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      read: db.prepare(`SELECT ${KEY_EVENT_COLUMNS} FROM events WHERE ${KEY} AND sequence BETWEEN ? AND ? ORDER BY sequence`).raw(),
      readUntil: db.prepare(`SELECT ${KEY_EVENT_COLUMNS} FROM events WHERE ${KEY} AND created_at <= ? ORDER BY sequence`).raw(),
      byCorrelation: db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE correlation_id = ? ORDER BY domain, edition, root, sequence`),
      roots: db.prepare(`SELECT DISTINCT domain, root FROM events WHERE edition = ? ORDER BY domain, root`),
      pruneTransient: db.prepare(`DELETE FROM snapshots WHERE ${KEY} AND sequence < ? AND retention = ?`),
      upsertSnapshot: db.prepare(
        `INSERT INTO snapshots (domain, edition, root, sequence, state_data, retention, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (domain, edition, root, sequence)
         DO UPDATE SET state_data = excluded.state_data, retention = excluded.retention, created_at = excluded.created_at`,
      ),
      latestSnapshot: db.prepare(`SELECT sequence, state_data, retention FROM snapshots WHERE ${KEY} ORDER BY sequence DESC LIMIT 1`),
      snapshots: db.prepare(`SELECT sequence, state_data, retention FROM snapshots WHERE ${KEY} ORDER BY sequence`),
    };

    this.appendTx = db.transaction((req: AppendRequest, events: PreparedEvent[], externalId: string | undefined): AppendResult => {
      const k = keyParams(req.key);
      if (externalId !== undefined) {
        const dup = this.stmt.externalRange.get(...k, externalId) as { first: number | null; last: number | null };
        if (dup.first !== null && dup.last !== null) {
          return { kind: "duplicate", firstSequence: dup.first, lastSequence: dup.last };
        }
      }
      const { max } = this.stmt.max.get(...k) as { max: number | null };
      checkSequences(max ?? undefined, events);
      for (const e of events) {
        this.stmt.insert.run(...k, e.sequence, e.createdAt, blob(e.data), req.correlationId, externalId ?? "");
      }
      return { kind: "appended" };
    });

    this.putSnapshotTx = db.transaction((key: AggregateKey, snap: StoredSnapshot) => {
      const k = keyParams(key);
      this.stmt.pruneTransient.run(...k, snap.sequence, RETENTION_TRANSIENT);
      this.stmt.upsertSnapshot.run(...k, snap.sequence, blob(snap.data), snap.retention, nowStoredTimestamp());
    });
  }

  async append(req: AppendRequest): Promise<AppendResult> {
    const events = prepareEvents(req);
    // IMMEDIATE takes the write lock before reading the maximum, so other connections to the
    // same file cannot slip a row in between the check and the insert.
    return this.guard("append", () => this.appendTx.immediate(req, events, idempotencyKey(req)));
  }

  async maxSequence(key: AggregateKey): Promise<number | undefined> {
    return this.guard("maxSequence", () => (this.stmt.max.get(...keyParams(key)) as { max: number | null }).max ?? undefined);
  }

  async read(key: AggregateKey, range: SequenceRange = {}): Promise<StoredEvent[]> {
    const { from = 0, to = Number.MAX_SAFE_INTEGER } = range;
    return this.guard("read", () => toKeyEvents(key, this.stmt.read.all(...keyParams(key), from, to) as KeyEventRow[]));
  }

  async readUntilTime(key: AggregateKey, until: string): Promise<StoredEvent[]> {
    const limit = normaliseTimestamp(until);
    return this.guard("readUntilTime", () => toKeyEvents(key, this.stmt.readUntil.all(...keyParams(key), limit) as KeyEventRow[]));
  }

  async readByCorrelation(correlationId: string): Promise<StoredEvent[]> {
    return this.guard("readByCorrelation", () => (correlationId ? (this.stmt.byCorrelation.all(correlationId) as EventRow[]).map(toEvent) : []));
  }

  async listRoots(): Promise<Array<{ domain: string; root: string }>> {
    return this.guard("listRoots", () => this.stmt.roots.all(MAIN_EDITION) as Array<{ domain: string; root: string }>);
  }

  async putSnapshot(key: AggregateKey, snap: StoredSnapshot): Promise<void> {
    checkSnapshot(snap);
    this.guard("putSnapshot", () => this.putSnapshotTx(key, snap));
  }

  async latestSnapshot(key: AggregateKey): Promise<StoredSnapshot | undefined> {
    return this.guard("latestSnapshot", () => {
      const row = this.stmt.latestSnapshot.get(...keyParams(key)) as SnapshotRow | undefined;
      return row && toSnapshot(row);
    });
  }

  async listSnapshots(key: AggregateKey): Promise<StoredSnapshot[]> {
    return this.guard("listSnapshots", () => (this.stmt.snapshots.all(...keyParams(key)) as SnapshotRow[]).map(toSnapshot));
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  /** Runs a driver call, turning every failure except a sequence conflict into a StorageError. */
  private guard<T>(operation: string, run: () => T): T {
    try {
      if (!this.db.open) throw new Error("the database is closed");
      return run();
    } catch (cause) {
      if (cause instanceof SequenceConflictError) throw cause;
      throw new StorageError(`SQLite ${operation} failed: ${(cause as Error).message}`, { cause });
    }
  }
}
