import { createHash } from "node:crypto";
import type { Pool, PoolClient, QueryResult } from "pg";
import { loadDriver } from "./driver.js";
import { checkSequences, checkSnapshot, copyBytes, idempotencyKey, ownBytes, prepareEvents, type PreparedEvent } from "./rules.js";
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

/** Advisory-lock key serialising schema creation across processes sharing a database. */
const SCHEMA_LOCK = "angzarr-client:storage-schema";

/**
 * Columns as in Angzarr 0.5.1 (COORDINATOR.md §14.2), so the layout stays familiar. created_at
 * uses the "C" collation so its index serves the byte-wise comparison of readUntilTime.
 */
const schemaSql = (events: string, snapshots: string) => `
CREATE TABLE IF NOT EXISTS ${events} (
  domain TEXT NOT NULL,
  edition TEXT NOT NULL,
  root TEXT NOT NULL,
  sequence BIGINT NOT NULL,
  created_at TEXT COLLATE "C" NOT NULL,
  event_data BYTEA NOT NULL,
  correlation_id TEXT NOT NULL DEFAULT '',
  external_id TEXT NOT NULL DEFAULT '',
  source_edition TEXT,
  source_domain TEXT,
  source_root TEXT,
  source_seq BIGINT,
  committed BOOLEAN NOT NULL DEFAULT TRUE,
  cascade_id TEXT,
  PRIMARY KEY (domain, edition, root, sequence)
);
CREATE INDEX IF NOT EXISTS idx_events_correlation ON ${events} (correlation_id);
CREATE INDEX IF NOT EXISTS idx_events_external ON ${events} (domain, edition, root, external_id) WHERE external_id <> '';
CREATE INDEX IF NOT EXISTS idx_events_created_at ON ${events} (domain, edition, root, created_at);
CREATE TABLE IF NOT EXISTS ${snapshots} (
  domain TEXT NOT NULL,
  edition TEXT NOT NULL,
  root TEXT NOT NULL,
  sequence BIGINT NOT NULL,
  state_data BYTEA NOT NULL,
  retention INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  PRIMARY KEY (domain, edition, root, sequence)
);
`;

const KEY = "domain = $1 AND edition = $2 AND root = $3";
const EVENT_COLUMNS = "domain, edition, root, sequence, created_at, event_data, correlation_id, external_id";
/** The columns a read of one key needs (its domain, edition and root are the key's). */
const KEY_EVENT_COLUMNS = "sequence, created_at, event_data, correlation_id, external_id";
/** Byte-wise ("C") ordering, independent of the database's locale, matching the other backends. */
const C = 'COLLATE "C"';

interface EventRow {
  domain: string;
  edition: string;
  root: string;
  sequence: string; // BIGINT arrives as text
  created_at: string;
  event_data: Buffer;
  correlation_id: string;
  external_id: string;
}

const toEvent = (r: EventRow): StoredEvent => ({
  domain: r.domain,
  edition: r.edition,
  root: r.root,
  sequence: Number(r.sequence),
  createdAt: r.created_at,
  data: copyBytes(r.event_data),
  correlationId: r.correlation_id,
  externalId: r.external_id,
});

const keyParams = (k: AggregateKey) => [k.domain, k.edition, k.root];

const toBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** A signed 64-bit advisory-lock key (as text, for a `bigint` parameter) derived from `parts`. */
function lockKey(...parts: string[]): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest().readBigInt64BE(0).toString();
}

/** SQLSTATE of a primary-key collision. */
const UNIQUE_VIOLATION = "23505";

/** What the check-and-insert statement of an append reports. */
interface AppendRow {
  max: string | null;
  first: string | null;
  last: string | null;
  inserted: string;
}

/** True when every sequence of the batch exceeds the one before it. */
function ascending(events: readonly PreparedEvent[]): boolean {
  for (let i = 1; i < events.length; i++) if (events[i]!.sequence <= events[i - 1]!.sequence) return false;
  return true;
}

/**
 * Opens a PostgreSQL event store. With `schema`, tables live in that schema (created if
 * missing); without it, unqualified names resolve through the connection's `search_path`.
 */
export async function openPostgresEventStore(uri: string, schema?: string): Promise<PostgresEventStore> {
  const { default: pg } = await loadDriver(() => import("pg"), "PostgreSQL", "pg", "8");
  const pool = new pg.Pool({ connectionString: uri });
  // An idle client losing its connection emits 'error' on the pool; without a listener Node
  // would crash. The next query that needs a connection reports the failure instead.
  pool.on("error", () => {});
  const qualify = (table: string) => (schema === undefined ? table : `${pg.escapeIdentifier(schema)}.${table}`);
  const events = qualify("events");
  const snapshots = qualify("snapshots");
  try {
    await inTransaction(pool, async (c) => {
      await c.query("SELECT pg_advisory_xact_lock($1::bigint)", [lockKey(SCHEMA_LOCK)]);
      // CREATE SCHEMA IF NOT EXISTS would still require CREATE on the database, so only issue
      // it when the schema is really missing.
      if (schema !== undefined) {
        const found = await c.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]);
        if (found.rowCount === 0) await c.query(`CREATE SCHEMA ${pg.escapeIdentifier(schema)}`);
      }
      await c.query(schemaSql(events, snapshots));
    });
  } catch (cause) {
    await pool.end();
    throw new StorageError(`Cannot open PostgreSQL event store: ${(cause as Error).message}`, { cause });
  }
  return new PostgresEventStore(pool, schema ?? "", events, snapshots);
}

/** Runs `work` in one transaction on one pooled connection, rolling back on any error. */
async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (err) {
    // A failed ROLLBACK means the connection is unusable: destroy it rather than pool it.
    await client.query("ROLLBACK").catch(() => (broken = true));
    throw err;
  } finally {
    client.release(broken);
  }
}

/**
 * PostgreSQL backend. Appends to one aggregate are serialised with a transaction-scoped
 * advisory lock, so the maximum read and the insert cannot race (READ COMMITTED alone would let
 * two writers both see the same maximum).
 */
export class PostgresEventStore implements EventStore {
  readonly kind = "postgres";
  private closed = false;

  /**
   * Use {@link openPostgresEventStore}, which creates the tables first.
   * @param schemaName part of every advisory-lock key, so stores in different schemas of one
   *   database do not block each other
   * @param events quoted, possibly schema-qualified events table
   * @param snapshots quoted, possibly schema-qualified snapshots table
   */
  constructor(
    private readonly pool: Pool,
    private readonly schemaName: string,
    private readonly events: string,
    private readonly snapshots: string,
  ) {}

  /**
   * One round trip in the usual case: BEGIN, the aggregate's advisory lock, then one statement
   * that reads the stored maximum (and the external id's rows), inserts the batch only when it
   * fits, and reports what it found; then COMMIT. The statement runs after the lock is held, so
   * its snapshot sees every append that took the lock before (READ COMMITTED). Values travel as
   * escaped literals because parameters need one round trip per statement.
   */
  async append(req: AppendRequest): Promise<AppendResult> {
    const events = prepareEvents(req);
    const externalId = idempotencyKey(req);
    const { key } = req;
    return this.guard("append", async () => {
      if (events.length === 0 || !ascending(events)) return this.appendChecked(req, events, externalId);
      const client = await this.pool.connect();
      let broken = false;
      let results: Array<QueryResult<AppendRow>>;
      try {
        results = (await client.query(this.appendSql(client, req, events, externalId))) as unknown as Array<QueryResult<AppendRow>>;
      } catch (err) {
        // The failed statement left the transaction open (the rest of the batch was skipped).
        await client.query("ROLLBACK").catch(() => (broken = true));
        client.release(broken);
        // A writer outside our lock (e.g. a real Angzarr coordinator on the same tables)
        // inserted one of our sequences first: report against what it committed.
        if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
        const max = await this.maxOf(this.pool, key);
        const lost = events.find((e) => max !== undefined && e.sequence <= max) ?? events[0]!;
        throw new SequenceConflictError((max ?? -1) + 1, lost.sequence);
      }
      client.release();
      const row = results[2]!.rows[0]!;
      if (row.first !== null && row.last !== null) {
        return { kind: "duplicate", firstSequence: Number(row.first), lastSequence: Number(row.last) };
      }
      if (Number(row.inserted) === events.length) return { kind: "appended" };
      // Nothing was written: the batch does not fit above the stored maximum.
      checkSequences(row.max === null ? undefined : Number(row.max), events);
      throw new Error(`append wrote ${row.inserted} of ${events.length} events`);
    });
  }

  /** The append batch of {@link append}: BEGIN; lock; check-and-insert; COMMIT. */
  private appendSql(client: PoolClient, req: AppendRequest, events: PreparedEvent[], externalId: string | undefined): string {
    const lit = (text: string) => client.escapeLiteral(text);
    const { key } = req;
    const where = `domain = ${lit(key.domain)} AND edition = ${lit(key.edition)} AND root = ${lit(key.root)}`;
    const rows = events
      .map(
        (e) =>
          `(${e.sequence}::bigint, ${lit(e.createdAt)}, ${lit(Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength).toString("hex"))})`,
      )
      .join(", ");
    const dup =
      externalId === undefined
        ? ""
        : `, dup AS (SELECT MIN(sequence) AS first, MAX(sequence) AS last FROM ${this.events} WHERE ${where} AND external_id = ${lit(externalId)})`;
    const noDup = externalId === undefined ? "" : " AND (SELECT first FROM dup) IS NULL";
    const found = externalId === undefined ? "NULL AS first, NULL AS last" : "(SELECT first FROM dup) AS first, (SELECT last FROM dup) AS last";
    return `BEGIN;
SELECT pg_advisory_xact_lock(${lockKey(this.schemaName, key.domain, key.edition, key.root)}::bigint);
WITH cur AS (SELECT MAX(sequence) AS max FROM ${this.events} WHERE ${where})${dup},
ins AS (
  INSERT INTO ${this.events} (${EVENT_COLUMNS})
  SELECT ${lit(key.domain)}, ${lit(key.edition)}, ${lit(key.root)}, b.s, b.t, decode(b.d, 'hex'), ${lit(req.correlationId)}, ${lit(externalId ?? "")}
  FROM (VALUES ${rows}) AS b(s, t, d)
  WHERE COALESCE((SELECT max FROM cur), -1) < ${events[0]!.sequence}${noDup}
  RETURNING 1)
SELECT (SELECT max FROM cur) AS max, ${found}, (SELECT count(*) FROM ins) AS inserted;
COMMIT`;
  }

  /**
   * The general append: reads the maximum inside the transaction before inserting, so an empty
   * or unordered batch gets exactly the answer the sequence rule gives.
   */
  private appendChecked(req: AppendRequest, events: PreparedEvent[], externalId: string | undefined): Promise<AppendResult> {
    const { key } = req;
    return inTransaction(this.pool, async (c): Promise<AppendResult> => {
      await c.query("SELECT pg_advisory_xact_lock($1::bigint)", [lockKey(this.schemaName, key.domain, key.edition, key.root)]);
      if (externalId !== undefined) {
        const dup = await c.query<{ first: string | null; last: string | null }>(
          `SELECT MIN(sequence) AS first, MAX(sequence) AS last FROM ${this.events} WHERE ${KEY} AND external_id = $4`,
          [...keyParams(key), externalId],
        );
        const { first, last } = dup.rows[0]!;
        if (first !== null && last !== null) {
          return { kind: "duplicate", firstSequence: Number(first), lastSequence: Number(last) };
        }
      }
      checkSequences(await this.maxOf(c, key), events);
      return { kind: "appended" };
    });
  }

  async maxSequence(key: AggregateKey): Promise<number | undefined> {
    return this.guard("maxSequence", () => this.maxOf(this.pool, key));
  }

  async read(key: AggregateKey, range: SequenceRange = {}): Promise<StoredEvent[]> {
    const { from = 0, to = Number.MAX_SAFE_INTEGER } = range;
    return this.queryKeyEvents("read", key, `WHERE ${KEY} AND sequence BETWEEN $4 AND $5 ORDER BY sequence`, [...keyParams(key), from, to]);
  }

  async readUntilTime(key: AggregateKey, until: string): Promise<StoredEvent[]> {
    const limit = normaliseTimestamp(until);
    return this.queryKeyEvents("readUntilTime", key, `WHERE ${KEY} AND created_at ${C} <= $4 ORDER BY sequence`, [...keyParams(key), limit]);
  }

  async readByCorrelation(correlationId: string): Promise<StoredEvent[]> {
    if (!correlationId) return this.guard("readByCorrelation", async () => []);
    return this.queryEvents("readByCorrelation", `WHERE correlation_id = $1 ORDER BY domain ${C}, edition ${C}, root ${C}, sequence`, [
      correlationId,
    ]);
  }

  async listRoots(): Promise<Array<{ domain: string; root: string }>> {
    return this.guard("listRoots", async () => {
      // GROUP BY rather than DISTINCT: DISTINCT forbids ORDER BY expressions such as COLLATE.
      const result = await this.pool.query<{ domain: string; root: string }>(
        `SELECT domain, root FROM ${this.events} WHERE edition = $1 GROUP BY domain, root ORDER BY domain ${C}, root ${C}`,
        [MAIN_EDITION],
      );
      return result.rows;
    });
  }

  async putSnapshot(key: AggregateKey, snap: StoredSnapshot): Promise<void> {
    checkSnapshot(snap);
    await this.guard("putSnapshot", () =>
      inTransaction(this.pool, async (c) => {
        await c.query(`DELETE FROM ${this.snapshots} WHERE ${KEY} AND sequence < $4 AND retention = $5`, [
          ...keyParams(key),
          snap.sequence,
          RETENTION_TRANSIENT,
        ]);
        await c.query(
          `INSERT INTO ${this.snapshots} (domain, edition, root, sequence, state_data, retention, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (domain, edition, root, sequence)
           DO UPDATE SET state_data = EXCLUDED.state_data, retention = EXCLUDED.retention, created_at = EXCLUDED.created_at`,
          [...keyParams(key), snap.sequence, toBuffer(snap.data), snap.retention, nowStoredTimestamp()],
        );
      }),
    );
  }

  async latestSnapshot(key: AggregateKey): Promise<StoredSnapshot | undefined> {
    const rows = await this.querySnapshots("latestSnapshot", key, "ORDER BY sequence DESC LIMIT 1");
    return rows[0];
  }

  async listSnapshots(key: AggregateKey): Promise<StoredSnapshot[]> {
    return this.querySnapshots("listSnapshots", key, "ORDER BY sequence");
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private async maxOf(db: Pool | PoolClient, key: AggregateKey): Promise<number | undefined> {
    const result = await db.query<{ max: string | null }>(`SELECT MAX(sequence) AS max FROM ${this.events} WHERE ${KEY}`, keyParams(key));
    const max = result.rows[0]!.max;
    return max === null ? undefined : Number(max);
  }

  private queryEvents(operation: string, clauses: string, params: unknown[]): Promise<StoredEvent[]> {
    return this.guard(operation, async () => {
      const result = await this.pool.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM ${this.events} ${clauses}`, params);
      return result.rows.map(toEvent);
    });
  }

  /** Events of one key, fetched as arrays of {@link KEY_EVENT_COLUMNS}. */
  private queryKeyEvents(operation: string, key: AggregateKey, clauses: string, params: unknown[]): Promise<StoredEvent[]> {
    return this.guard(operation, async () => {
      const result = await this.pool.query<[string, string, Buffer, string, string]>({
        text: `SELECT ${KEY_EVENT_COLUMNS} FROM ${this.events} ${clauses}`,
        values: params,
        rowMode: "array",
      });
      const { domain, edition, root } = key;
      return result.rows.map((r) => ({
        domain,
        edition,
        root,
        sequence: Number(r[0]),
        createdAt: r[1],
        data: ownBytes(r[2]),
        correlationId: r[3],
        externalId: r[4],
      }));
    });
  }

  private querySnapshots(operation: string, key: AggregateKey, clauses: string): Promise<StoredSnapshot[]> {
    return this.guard(operation, async () => {
      const result = await this.pool.query<{ sequence: string; state_data: Buffer; retention: number }>(
        `SELECT sequence, state_data, retention FROM ${this.snapshots} WHERE ${KEY} ${clauses}`,
        keyParams(key),
      );
      return result.rows.map((r) => ({ sequence: Number(r.sequence), data: copyBytes(r.state_data), retention: r.retention }));
    });
  }

  /** Runs a driver call, turning every failure except a sequence conflict into a StorageError. */
  private async guard<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      if (this.closed) throw new Error("the store is closed");
      return await run();
    } catch (cause) {
      if (cause instanceof SequenceConflictError) throw cause;
      throw new StorageError(`PostgreSQL ${operation} failed: ${(cause as Error).message}`, { cause });
    }
  }
}
