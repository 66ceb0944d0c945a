/**
 * Every backend stores key, correlation id and external id text verbatim, whatever characters
 * it holds (quotes, backslashes, SQL, non-ASCII), and the idempotency and sequence checks still
 * apply to it. PostgreSQL appends send these values as escaped literals, so this is their test.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { expect } from "chai";
import pg from "pg";
import { openEventStore, SequenceConflictError, type StorageConfig } from "../../src/coordinator/storage/index.js";
import { testPostgres } from "../support/postgres.js";
import { rejectsWith } from "../support/assertions.js";

const TEXTS = ["o'brien", "back\\slash", "'; DROP TABLE events; --", "$1 $$x$$", "ünïcødé 🦀", "E'\\x00'", "tab\tnew\nline"];

const dir = mkdtempSync(join(tmpdir(), "angzarr-storage-text-"));
const pgUri = (await testPostgres()).uri;
const schema = `storage_text_${process.pid}_${randomUUID().slice(0, 8)}`;
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  const admin = new pg.Client({ connectionString: pgUri });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
  await admin.end();
});

const configs: Array<[string, StorageConfig]> = [
  ["memory", { type: "memory" }],
  ["sqlite", { type: "sqlite", path: join(dir, "events.db") }],
  ["postgres", { type: "postgres", uri: pgUri, schema }],
];

for (const [name, config] of configs) {
  describe(`stored text is verbatim (${name})`, () => {
    it("keys, correlation ids, external ids and event bytes", async () => {
      const store = await openEventStore(config);
      try {
        for (const text of TEXTS) {
          const key = { domain: text, edition: `${text}-edition`, root: `${text}-${randomUUID()}` };
          const data = new Uint8Array([0, 39, 92, 255, 10]);
          const first = await store.append({
            key,
            correlationId: text,
            externalId: text,
            events: [
              { sequence: 0, createdAt: "2024-01-15T10:30:00Z", data },
              { sequence: 2, createdAt: "2024-01-15T10:30:01Z", data: new Uint8Array([1]) },
            ],
          });
          expect(first).to.deep.equal({ kind: "appended" });
          const again = await store.append({
            key,
            correlationId: "",
            externalId: text,
            events: [{ sequence: 3, createdAt: "2024-01-15T10:30:02Z", data }],
          });
          expect(again).to.deep.equal({ kind: "duplicate", firstSequence: 0, lastSequence: 2 });
          const stale = store.append({ key, correlationId: text, events: [{ sequence: 2, createdAt: "2024-01-15T10:30:02Z", data }] });
          const err = await rejectsWith(stale, SequenceConflictError);
          expect(err.message).to.equal("Sequence conflict: expected 3, got 2");
          const rows = await store.read(key);
          expect(rows.map((r) => [r.domain, r.edition, r.root, r.sequence, r.correlationId, r.externalId, [...r.data]])).to.deep.equal([
            [key.domain, key.edition, key.root, 0, text, text, [...data]],
            [key.domain, key.edition, key.root, 2, text, text, [1]],
          ]);
          expect((await store.readByCorrelation(text)).length).to.be.at.least(2);
        }
      } finally {
        await store.close();
      }
    });
  });
}
