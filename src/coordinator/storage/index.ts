import { MemoryEventStore } from "./memory.js";
import { openPostgresEventStore } from "./postgres.js";
import { openSqliteEventStore } from "./sqlite.js";
import type { EventStore } from "./types.js";

export * from "./types.js";
export { normaliseTimestamp } from "./timestamp.js";
export { MemoryEventStore } from "./memory.js";
export { SqliteEventStore, openSqliteEventStore } from "./sqlite.js";
export { PostgresEventStore, openPostgresEventStore } from "./postgres.js";

/** Which backend to open, mirroring Angzarr's `storage.type` settings. */
export type StorageConfig =
  | { type: "memory" }
  /** `path` absent or `":memory:"` → private in-memory database. */
  | { type: "sqlite"; path?: string }
  /** `schema` absent → the connection's `search_path` decides. */
  | { type: "postgres"; uri: string; schema?: string };

/**
 * Opens an event store and creates its tables if missing. The SQLite and PostgreSQL drivers
 * are imported only here, when that backend is chosen; a missing driver fails with an Error
 * naming the npm package to install. Connection or schema failures throw a StorageError.
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
      throw new Error(`Unknown storage type: ${(config as { type: unknown }).type}`);
  }
}
