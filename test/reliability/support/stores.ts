/**
 * Throwaway event stores for the reliability suites: a SQLite file in a temporary directory, or
 * a fresh schema in the PostgreSQL test database (see test/support/postgres.ts: the
 * environment's, the local one, or a private server), each removed again by `drop()`.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import type { StorageConfig } from "../../../src/coordinator/index.js";
import { testPostgres } from "../../support/postgres.js";

/** The PostgreSQL database the suites create their schemas in. */
export const PG_URI = (await testPostgres()).uri;

/** One throwaway store, usable in-process and by the CLI. */
export interface TestStore {
  name: "sqlite" | "postgres";
  /** For {@link startCoordinator}. */
  config: StorageConfig;
  /** The CLI's environment selecting the same store. */
  env: Record<string, string>;
  /** Deletes the store's file or schema. */
  drop(): Promise<void>;
}

/** A SQLite file in a fresh temporary directory. */
export function sqliteStore(): TestStore {
  const dir = mkdtempSync(join(tmpdir(), "angzarr-reliability-"));
  const path = join(dir, "events.db");
  return {
    name: "sqlite",
    config: { type: "sqlite", path },
    env: { ANGZARR__STORAGE__TYPE: "sqlite", ANGZARR__STORAGE__SQLITE__PATH: path },
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A fresh schema `angzarr_rel_<random>` (created by the coordinator on first start). */
export function postgresStore(): TestStore {
  const schema = `angzarr_rel_${randomBytes(6).toString("hex")}`;
  return {
    name: "postgres",
    config: { type: "postgres", uri: PG_URI, schema },
    env: { ANGZARR__STORAGE__TYPE: "postgres", ANGZARR__STORAGE__POSTGRES__URI: PG_URI, ANGZARR__STORAGE__POSTGRES__SCHEMA: schema },
    async drop() {
      const client = new pg.Client({ connectionString: PG_URI });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${client.escapeIdentifier(schema)} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Both backends, in the order the suites run them; `open` creates a fresh store. */
export const STORES = [
  { name: "sqlite", open: sqliteStore },
  { name: "postgres", open: postgresStore },
] as const;
