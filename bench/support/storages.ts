/**
 * The coordinator benchmark's stores: for each backend the coordinator's configuration (as the
 * CLI's environment) and a raw store of the same kind for the baselines, which writes the same
 * rows into tables of the same layout with one plain insert transaction and reads them back with
 * one plain select. Temporary files and PostgreSQL schemas are removed by `drop()`.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import pg from "pg";
import { openPostgresEventStore, openSqliteEventStore } from "../../src/coordinator/storage/index.js";
import { repoPath } from "./processes.js";

/** Where a baseline writes one aggregate's rows. */
export interface RawKey {
  domain: string;
  edition: string;
  root: string;
}

/** One row as the coordinator stores it. */
export interface RawRow {
  sequence: number;
  createdAt: string;
  data: Uint8Array;
}

/** The baselines' direct access to a store. */
export interface RawStore {
  /** Inserts `rows` (and the snapshot, when given) in one transaction. */
  insert(key: RawKey, correlationId: string, rows: RawRow[], snapshot?: { sequence: number; data: Uint8Array }): Promise<void>;
  /** Selects the aggregate's rows in sequence order; resolves with how many there were. */
  read(key: RawKey): Promise<number>;
  close(): Promise<void>;
}

/** One backend under test. */
export interface BenchStorage {
  readonly name: "sqlite" | "postgres" | "memory";
  /** How it is configured: printed with the figures. */
  readonly description: string;
  /** The coordinator CLI's environment selecting this store. */
  readonly env: Record<string, string>;
  /** A raw store of the same kind, in tables of its own. */
  openRaw(): Promise<RawStore>;
  /** Removes files and schemas. */
  drop(): Promise<void>;
}

/** SQLite files (WAL) in a fresh temporary directory. */
export function sqliteStorage(): BenchStorage {
  const dir = mkdtempSync(join(tmpdir(), "angzarr-bench-"));
  const path = join(dir, "events.db");
  const rawPath = join(dir, "raw.db");
  let raw: Database.Database | undefined;
  return {
    name: "sqlite",
    description: `file, WAL (${dir})`,
    env: { ANGZARR__STORAGE__TYPE: "sqlite", ANGZARR__STORAGE__SQLITE__PATH: path },
    async openRaw() {
      // The coordinator's own code creates the tables, so the layout and indexes are the same.
      await (await openSqliteEventStore(rawPath)).close();
      const db = (raw = new Database(rawPath, { timeout: 30_000 }));
      db.pragma("journal_mode = WAL");
      const insert = db.prepare(
        "INSERT INTO events (domain, edition, root, sequence, created_at, event_data, correlation_id, external_id) VALUES (?, ?, ?, ?, ?, ?, ?, '')",
      );
      const snapshot = db.prepare(
        `INSERT INTO snapshots (domain, edition, root, sequence, state_data, retention, created_at) VALUES (?, ?, ?, ?, ?, 0, ?)
         ON CONFLICT (domain, edition, root, sequence) DO UPDATE SET state_data = excluded.state_data`,
      );
      const select = db.prepare(
        "SELECT sequence, created_at, event_data, correlation_id, external_id FROM events WHERE domain = ? AND edition = ? AND root = ? ORDER BY sequence",
      );
      const tx = db.transaction((key: RawKey, correlationId: string, rows: RawRow[], snap?: { sequence: number; data: Uint8Array }) => {
        for (const r of rows) insert.run(key.domain, key.edition, key.root, r.sequence, r.createdAt, r.data, correlationId);
        if (snap) snapshot.run(key.domain, key.edition, key.root, snap.sequence, snap.data, rows.at(-1)?.createdAt ?? "");
      });
      return {
        insert: async (key, correlationId, rows, snap) => void tx.immediate(key, correlationId, rows, snap),
        read: async (key) => select.all(key.domain, key.edition, key.root).length,
        close: async () => void db.close(),
      };
    },
    async drop() {
      if (raw?.open) raw.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh schema for the coordinator and one for the raw tables in the database at `uri`. */
export function postgresStorage(uri: string): BenchStorage {
  const schema = `angzarr_bench_${randomBytes(5).toString("hex")}`;
  const rawSchema = `${schema}_raw`;
  let pool: pg.Pool | undefined;
  return {
    name: "postgres",
    description: `${redact(uri)}, schemas ${schema}{,_raw}`,
    env: { ANGZARR__STORAGE__TYPE: "postgres", ANGZARR__STORAGE__POSTGRES__URI: uri, ANGZARR__STORAGE__POSTGRES__SCHEMA: schema },
    async openRaw() {
      await (await openPostgresEventStore(uri, rawSchema)).close();
      const p = (pool = new pg.Pool({ connectionString: uri }));
      p.on("error", () => {});
      const events = `${pg.escapeIdentifier(rawSchema)}.events`;
      const snapshots = `${pg.escapeIdentifier(rawSchema)}.snapshots`;
      const insertRows = `INSERT INTO ${events} (domain, edition, root, sequence, created_at, event_data, correlation_id, external_id)
        SELECT $1, $2, $3, s, t, d, $4, '' FROM unnest($5::bigint[], $6::text[], $7::bytea[]) AS batch(s, t, d)`;
      // With a snapshot, both inserts are one statement, so still one round trip and one transaction.
      const withSnapshot = `WITH snap AS (
          INSERT INTO ${snapshots} (domain, edition, root, sequence, state_data, retention, created_at) VALUES ($1, $2, $3, $8, $9, 0, '')
          ON CONFLICT (domain, edition, root, sequence) DO UPDATE SET state_data = EXCLUDED.state_data)
        ${insertRows}`;
      return {
        async insert(key, correlationId, rows, snap) {
          const params: unknown[] = [
            key.domain,
            key.edition,
            key.root,
            correlationId,
            rows.map((r) => r.sequence),
            rows.map((r) => r.createdAt),
            rows.map((r) => Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength)),
          ];
          if (snap) await p.query(withSnapshot, [...params, snap.sequence, Buffer.from(snap.data)]);
          else await p.query(insertRows, params);
        },
        async read(key) {
          const result = await p.query(
            `SELECT sequence, created_at, event_data, correlation_id, external_id FROM ${events} WHERE domain = $1 AND edition = $2 AND root = $3 ORDER BY sequence`,
            [key.domain, key.edition, key.root],
          );
          return result.rowCount ?? 0;
        },
        close: async () => {
          const open = pool;
          pool = undefined;
          await open?.end();
        },
      };
    },
    async drop() {
      await pool?.end();
      pool = undefined;
      const client = new pg.Client({ connectionString: uri });
      await client.connect();
      try {
        for (const s of [schema, rawSchema]) await client.query(`DROP SCHEMA IF EXISTS ${client.escapeIdentifier(s)} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

/** The coordinator's memory store; the raw baseline keeps rows in a Map. */
export function memoryStorage(): BenchStorage {
  return {
    name: "memory",
    description: "process memory",
    env: { ANGZARR__STORAGE__TYPE: "memory" },
    async openRaw() {
      const streams = new Map<string, RawRow[]>();
      const id = (k: RawKey) => `${k.domain}\u0000${k.edition}\u0000${k.root}`;
      return {
        async insert(key, _correlationId, rows) {
          let stream = streams.get(id(key));
          if (!stream) streams.set(id(key), (stream = []));
          for (const r of rows) stream.push({ sequence: r.sequence, createdAt: r.createdAt, data: new Uint8Array(r.data) });
        },
        async read(key) {
          return (streams.get(id(key)) ?? []).slice().length;
        },
        close: async () => streams.clear(),
      };
    },
    drop: async () => {},
  };
}

function redact(uri: string): string {
  return uri.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}

/**
 * A PostgreSQL server for the run: `test/support/postgres.ts` (`testPostgres()`) when the
 * repository has it, else `ANGZARR_TEST_PG_URI`, else 127.0.0.1:5432 when something answers
 * there. Resolves with undefined and the reason when there is none.
 */
export async function findPostgres(): Promise<{ uri: string; stop(): Promise<void> } | { uri: undefined; reason: string }> {
  const helper = repoPath("../../test/support/postgres.ts");
  let load: unknown;
  try {
    load = await import(pathToFileURL(helper).href);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ERR_MODULE_NOT_FOUND") throw err;
  }
  const testPostgres = (load as { testPostgres?: () => Promise<{ uri: string; stop(): Promise<void> }> } | undefined)?.testPostgres;
  if (testPostgres) return testPostgres();
  const fromEnv = process.env.ANGZARR_TEST_PG_URI;
  if (fromEnv) return { uri: fromEnv, stop: async () => {} };
  if (await answers("127.0.0.1", 5432)) return { uri: "postgres://postgres@127.0.0.1:5432/test", stop: async () => {} };
  return { uri: undefined, reason: "no PostgreSQL: no test/support/postgres.ts, ANGZARR_TEST_PG_URI unset and nothing on 127.0.0.1:5432" };
}

function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(1000);
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => (socket.destroy(), resolve(false)));
  });
}
