import { MemoryEventStore } from "./memory.js";
import { openPostgresEventStore } from "./postgres.js";
import { openSqliteEventStore } from "./sqlite.js";
import type { EventStore } from "./types.js";

export {
  MAIN_EDITION,
  RETENTION_TRANSIENT,
  SequenceConflictError,
  StorageError,
  type AggregateKey,
  type AppendRequest,
  type AppendResult,
  type EventStore,
  type NewEvent,
  type SequenceRange,
  type StoredEvent,
  type StoredSnapshot,
} from "./types.js";
export { normaliseTimestamp } from "./timestamp.js";
export { MemoryEventStore } from "./memory.js";
export { SqliteEventStore, openSqliteEventStore } from "./sqlite.js";
export { PostgresEventStore, openPostgresEventStore } from "./postgres.js";

/** Which backend to open, mirroring Angzarr's `storage.type` settings. */
export type StorageConfig =
  | {
      /** Process-local Maps ({@link MemoryEventStore}); nothing survives the process. */
      type: "memory";
    }
  | {
      /** SQLite through the optional `better-sqlite3` package ({@link SqliteEventStore}). */
      type: "sqlite";
      /** Database file (its directory must exist). @default ":memory:" (a private in-memory database) */
      path?: string;
    }
  | {
      /** PostgreSQL through the optional `pg` package ({@link PostgresEventStore}). */
      type: "postgres";
      /** Connection string, e.g. `postgres://user:pass@localhost:5432/angzarr`. */
      uri: string;
      /** Schema holding the tables (created if missing). @default none: the connection's `search_path` decides */
      schema?: string;
    };

/**
 * Opens an event store and creates its tables if missing. The SQLite and PostgreSQL drivers
 * are imported only here, when that backend is chosen.
 * @throws Error naming the npm package to install when its driver is missing, or for an
 * unknown `type`; StorageError for connection or schema failures.
 * @example
 * const store = await openEventStore({ type: "postgres", uri: process.env.DATABASE_URL!, schema: "angzarr" });
 */
export async function openEventStore(config: StorageConfig): Promise<EventStore> {
  switch (config.type) {
    case "memory":
      return new MemoryEventStore();
    case "sqlite":
      return openSqliteEventStore(config.path);
    case "postgres":
      return openPostgresEventStore(config.uri, config.schema);
    default:
      // Reachable from untyped callers (e.g. configuration files).
      throw new Error(`Unknown storage type: ${String((config as { type: unknown }).type)}`);
  }
}
