/**
 * One contract suite for every EventStore backend (memory, SQLite in memory and on disk,
 * PostgreSQL), plus the backend-specific guarantees each of them adds.
 */
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import pg from "pg";
import { loadDriver } from "../../src/coordinator/storage/driver.js";
import {
  MAIN_EDITION,
  SequenceConflictError,
  StorageError,
  normaliseTimestamp,
  openEventStore,
  type AggregateKey,
  type EventStore,
  type NewEvent,
  type StorageConfig,
} from "../../src/coordinator/storage/index.js";
import { testPostgres } from "../support/postgres.js";
import { eventually, rejectionOf, rejectsWith } from "../support/assertions.js";

const PG_URI = (await testPostgres()).uri;
const T0 = "2024-01-15T10:30:00Z";

/** A fresh aggregate key; unique domains keep tests independent on shared stores. */
function freshKey(edition = MAIN_EDITION, domain = `d-${randomUUID()}`): AggregateKey {
  return { domain, edition, root: randomUUID() };
}

function ev(sequence: number, data: number[] = [sequence], createdAt = T0): NewEvent {
  return { sequence, createdAt, data: new Uint8Array(data) };
}

async function expectConflict(promise: Promise<unknown>, expected: number, got: number): Promise<void> {
  const err = await rejectsWith(promise, SequenceConflictError);
  expect(err.expected).to.equal(expected);
  expect(err.got).to.equal(got);
  expect(err.message).to.equal(`Sequence conflict: expected ${expected}, got ${got}`);
}

const sequences = (events: Array<{ sequence: number }>) => events.map((e) => e.sequence);

interface Backend {
  name: string;
  config: StorageConfig;
  /**
   * For persistent backends: a configuration no other store in the run uses for its
   * connections or files, and `holds()`, telling whether any store opened with it still holds
   * them (SQLite: the WAL file exists; PostgreSQL: server connections exist).
   */
  isolated?(): { config: StorageConfig; holds(): Promise<boolean> };
  /** Backend-specific extra tests, run with the suite's main store. */
  extra?(store: () => EventStore): void;
  cleanup(): Promise<void>;
}

/** The behaviour every backend must show. */
function contract(backend: Backend): void {
  let store: EventStore;
  before(async () => {
    store = await openEventStore(backend.config);
  });
  after(async () => {
    await store.close();
  });

  it(`reports kind ${backend.config.type}`, () => {
    expect(store.kind).to.equal(backend.config.type);
  });

  it("round-trips bytes and row fields", async () => {
    const key = freshKey();
    expect(await store.maxSequence(key)).to.equal(undefined);
    const blobs = [[0, 1, 2, 255, 0], [], [...Array(256).keys()]];
    const result = await store.append({
      key,
      correlationId: "corr-rt",
      events: blobs.map((data, i) => ev(i, data, `2024-01-15T10:30:0${i}.25+00:00`)),
    });
    expect(result).to.deep.equal({ kind: "appended" });
    const events = await store.read(key);
    expect(events).to.deep.equal(
      blobs.map((data, i) => ({
        ...key,
        sequence: i,
        createdAt: `2024-01-15T10:30:0${i}.250000000Z`,
        data: new Uint8Array(data),
        correlationId: "corr-rt",
        externalId: "",
      })),
    );
    expect(await store.maxSequence(key)).to.equal(2);
  });

  it("isolates stored bytes from the caller's buffers", async () => {
    const key = freshKey();
    const data = new Uint8Array([1, 2, 3]);
    await store.append({ key, correlationId: "", events: [{ sequence: 0, createdAt: T0, data }] });
    data[0] = 99;
    const [first] = await store.read(key);
    first!.data[1] = 99;
    expect((await store.read(key))[0]!.data).to.deep.equal(new Uint8Array([1, 2, 3]));
  });

  it("reads inclusive ranges", async () => {
    const key = freshKey();
    await store.append({ key, correlationId: "", events: [0, 1, 2, 3, 4, 5].map((s) => ev(s)) });
    expect(sequences(await store.read(key, { from: 2, to: 4 }))).to.deep.equal([2, 3, 4]);
    expect(sequences(await store.read(key, { from: 4 }))).to.deep.equal([4, 5]);
    expect(sequences(await store.read(key, { to: 1 }))).to.deep.equal([0, 1]);
    expect(sequences(await store.read(key, { from: 3, to: 3 }))).to.deep.equal([3]);
    expect(sequences(await store.read(key, { from: 4, to: 2 }))).to.deep.equal([]);
    expect(sequences(await store.read(key, {}))).to.deep.equal([0, 1, 2, 3, 4, 5]);
  });

  it("rejects a stale sequence with the exact conflict message", async () => {
    const key = freshKey();
    await store.append({ key, correlationId: "", events: [ev(0), ev(1), ev(2)] });
    await expectConflict(store.append({ key, correlationId: "", events: [ev(2)] }), 3, 2);
    await expectConflict(store.append({ key, correlationId: "", events: [ev(0)] }), 3, 0);
    expect(sequences(await store.read(key))).to.deep.equal([0, 1, 2]);
  });

  it("rejects repeated or decreasing sequences within one batch", async () => {
    const key = freshKey();
    await expectConflict(store.append({ key, correlationId: "", events: [ev(0), ev(0)] }), 1, 0);
    await expectConflict(store.append({ key, correlationId: "", events: [ev(5), ev(4)] }), 6, 4);
    expect(await store.read(key)).to.deep.equal([]);
    expect(await store.maxSequence(key)).to.equal(undefined);
  });

  it("writes nothing when a later event of the batch conflicts", async () => {
    const key = freshKey();
    await store.append({ key, correlationId: "", events: [ev(0)] });
    await expectConflict(store.append({ key, correlationId: "", events: [ev(1), ev(2), ev(2)] }), 3, 2);
    expect(sequences(await store.read(key))).to.deep.equal([0]);
    expect(await store.maxSequence(key)).to.equal(0);
  });

  it("accepts gaps: any sequence above the current maximum", async () => {
    const key = freshKey();
    await store.append({ key, correlationId: "", events: [ev(2), ev(7)] });
    await store.append({ key, correlationId: "", events: [ev(8)] });
    await expectConflict(store.append({ key, correlationId: "", events: [ev(7)] }), 9, 7);
    expect(sequences(await store.read(key))).to.deep.equal([2, 7, 8]);
  });

  it("treats an empty batch as a no-op", async () => {
    const key = freshKey();
    expect(await store.append({ key, correlationId: "c", events: [] })).to.deep.equal({ kind: "appended" });
    expect(await store.maxSequence(key)).to.equal(undefined);
  });

  it("rejects malformed arguments with RangeError before writing", async () => {
    const key = freshKey();
    for (const bad of [-1, 1.5, Number.NaN]) {
      expect(await rejectionOf(store.append({ key, correlationId: "", events: [ev(bad)] }))).to.be.instanceOf(RangeError);
    }
    const badTime = store.append({ key, correlationId: "", events: [ev(0), ev(1, [], "yesterday")] });
    expect(await rejectionOf(badTime)).to.be.instanceOf(RangeError);
    expect(await rejectionOf(store.readUntilTime(key, "2024-01-15"))).to.be.instanceOf(RangeError);
    expect(await rejectionOf(store.putSnapshot(key, { sequence: -2, data: new Uint8Array(), retention: 0 }))).to.be.instanceOf(RangeError);
    expect(await store.read(key)).to.deep.equal([]);
  });

  it("detects external-id duplicates and reports their first/last sequence", async () => {
    const key = freshKey();
    const fact = (events: NewEvent[], externalId = "ext-1") => store.append({ key, correlationId: "f", externalId, events });
    expect(await fact([ev(0), ev(1)])).to.deep.equal({ kind: "appended" });
    expect(await fact([ev(2), ev(3)])).to.deep.equal({ kind: "duplicate", firstSequence: 0, lastSequence: 1 });
    // The duplicate check precedes the sequence rule, so a stale retry is still a duplicate.
    expect(await fact([ev(0)])).to.deep.equal({ kind: "duplicate", firstSequence: 0, lastSequence: 1 });
    expect(await fact([ev(2)], "ext-2")).to.deep.equal({ kind: "appended" });
    expect((await store.read(key)).map((e) => [e.sequence, e.externalId])).to.deep.equal([
      [0, "ext-1"],
      [1, "ext-1"],
      [2, "ext-2"],
    ]);
    // The same external id on another aggregate or edition is a different fact.
    const other = { ...key, root: randomUUID() };
    expect(await store.append({ key: other, correlationId: "", externalId: "ext-1", events: [ev(0)] })).to.deep.equal({
      kind: "appended",
    });
    const branch = { ...key, edition: "branch" };
    expect(await store.append({ key: branch, correlationId: "", externalId: "ext-1", events: [ev(5)] })).to.deep.equal({
      kind: "appended",
    });
  });

  it("does not deduplicate appends without an external id", async () => {
    const key = freshKey();
    await store.append({ key, correlationId: "", externalId: "", events: [ev(0)] });
    await store.append({ key, correlationId: "", externalId: "", events: [ev(1)] });
    expect(sequences(await store.read(key))).to.deep.equal([0, 1]);
  });

  it("lets exactly one of many concurrent appends at the same sequence win", async () => {
    const key = freshKey();
    await store.append({ key, correlationId: "", events: [ev(0)] });
    const contenders = Array.from({ length: 25 }, (_, i) => store.append({ key, correlationId: `c-${i}`, events: [ev(1, [i]), ev(2, [i])] }));
    const outcomes = await Promise.allSettled(contenders);
    const winners = outcomes.flatMap((o, i) => (o.status === "fulfilled" ? [i] : []));
    expect(winners).to.have.length(1);
    for (const o of outcomes) {
      if (o.status === "rejected") {
        expect(o.reason).to.be.instanceOf(SequenceConflictError);
        expect((o.reason as SequenceConflictError).expected).to.equal(3);
      }
    }
    const stored = await store.read(key);
    expect(stored.map((e) => [e.sequence, e.correlationId])).to.deep.equal([
      [0, ""],
      [1, `c-${winners[0]}`],
      [2, `c-${winners[0]}`],
    ]);
  });

  it("writes a concurrently repeated fact exactly once", async () => {
    const key = freshKey();
    const outcomes = await Promise.all(
      Array.from({ length: 15 }, () => store.append({ key, correlationId: "", externalId: "once", events: [ev(0), ev(1)] })),
    );
    expect(outcomes.filter((o) => o.kind === "appended")).to.have.length(1);
    expect(outcomes.filter((o) => o.kind === "duplicate")).to.deep.equal(Array(14).fill({ kind: "duplicate", firstSequence: 0, lastSequence: 1 }));
    expect(sequences(await store.read(key))).to.deep.equal([0, 1]);
  });

  it("reads until a time by instant across precisions and offsets", async () => {
    const key = freshKey();
    await store.append({
      key,
      correlationId: "",
      events: [
        ev(0, [], "2024-01-15T10:30:00Z"),
        ev(1, [], "2024-01-15T10:30:00.5Z"),
        ev(2, [], "2024-01-15T10:30:00.123456789Z"),
        ev(3, [], "2024-01-15T12:30:00.9+02:00"),
        ev(4, [], "2024-01-15T10:30:01.000001z"),
      ],
    });
    const until = async (t: string) => sequences(await store.readUntilTime(key, t));
    // Raw text comparison would put "…00.5Z" before "…00Z"; instants must be compared.
    expect(await until("2024-01-15T10:30:00Z")).to.deep.equal([0]);
    expect(await until("2024-01-15T10:29:59.999999999Z")).to.deep.equal([]);
    expect(await until("2024-01-15T10:30:00.123456788Z")).to.deep.equal([0]);
    expect(await until("2024-01-15T10:30:00.123456789Z")).to.deep.equal([0, 2]);
    expect(await until("2024-01-15T10:30:00.5Z")).to.deep.equal([0, 1, 2]);
    expect(await until("2024-01-15T09:30:00.899999999-01:00")).to.deep.equal([0, 1, 2]);
    expect(await until("2024-01-15T09:30:00.90-01:00")).to.deep.equal([0, 1, 2, 3]);
    expect(await until("2024-01-15T11:30:00.9+01:00")).to.deep.equal([0, 1, 2, 3]);
    expect(await until("2024-01-15T10:30:01Z")).to.deep.equal([0, 1, 2, 3]);
    expect(await until("2030-01-01T00:00:00Z")).to.deep.equal([0, 1, 2, 3, 4]);
    const [fourth] = await store.read(key, { from: 3, to: 3 });
    expect(fourth!.createdAt).to.equal("2024-01-15T10:30:00.900000000Z");
  });

  it("reads a correlation across domains, editions and roots in key order", async () => {
    const tag = randomUUID();
    const correlationId = `corr-${tag}`;
    const orders = freshKey(MAIN_EDITION, `${tag}-orders`);
    const billing = freshKey(MAIN_EDITION, `${tag}-billing`);
    const billingBranch = { ...billing, edition: "v2" };
    await store.append({ key: orders, correlationId, events: [ev(0), ev(1)] });
    await store.append({ key: orders, correlationId: "unrelated", events: [ev(2)] });
    await store.append({ key: billingBranch, correlationId, events: [ev(4)] });
    await store.append({ key: billing, correlationId, events: [ev(0)] });
    await store.append({ key: freshKey(), correlationId: "", events: [ev(0)] });
    const found = await store.readByCorrelation(correlationId);
    expect(found.map((e) => [e.domain, e.edition, e.sequence])).to.deep.equal([
      [billing.domain, MAIN_EDITION, 0],
      [billing.domain, "v2", 4],
      [orders.domain, MAIN_EDITION, 0],
      [orders.domain, MAIN_EDITION, 1],
    ]);
    expect(found.every((e) => e.correlationId === correlationId)).to.equal(true);
    expect(await store.readByCorrelation(`missing-${tag}`)).to.deep.equal([]);
    expect(await store.readByCorrelation("")).to.deep.equal([]);
  });

  it("keeps editions as separate streams", async () => {
    const main = freshKey();
    const branch = { ...main, edition: "what-if" };
    await store.append({ key: main, correlationId: "", events: [ev(0), ev(1), ev(2)] });
    await store.append({ key: branch, correlationId: "", events: [ev(1, [9])] });
    expect(await store.maxSequence(branch)).to.equal(1);
    expect((await store.read(branch)).map((e) => [e.sequence, e.edition, [...e.data]])).to.deep.equal([[1, "what-if", [9]]]);
    expect(sequences(await store.read(main))).to.deep.equal([0, 1, 2]);
    expect(sequences(await store.readUntilTime(branch, "2100-01-01T00:00:00Z"))).to.deep.equal([1]);
  });

  it("lists main-timeline roots only, ordered by domain then root", async () => {
    const tag = randomUUID();
    const a1 = freshKey(MAIN_EDITION, `${tag}-a`);
    const a2 = freshKey(MAIN_EDITION, a1.domain);
    const branchOnly = freshKey("v2", `${tag}-a`);
    const b = freshKey(MAIN_EDITION, `${tag}-b`);
    const bOnlyBranch = freshKey("v2", `${tag}-c`);
    await store.append({ key: b, correlationId: "", events: [ev(0), ev(1)] });
    await store.append({ key: { ...b, edition: "v2" }, correlationId: "", events: [ev(2)] });
    await store.append({ key: a1, correlationId: "", events: [ev(0)] });
    await store.append({ key: a2, correlationId: "", events: [ev(0)] });
    await store.append({ key: branchOnly, correlationId: "", events: [ev(0)] });
    await store.append({ key: bOnlyBranch, correlationId: "", events: [ev(0)] });
    const roots = await store.listRoots();
    const [first, second] = [a1.root, a2.root].sort();
    expect(roots.filter((r) => r.domain.startsWith(tag))).to.deep.equal([
      { domain: a1.domain, root: first },
      { domain: a1.domain, root: second },
      { domain: b.domain, root: b.root },
    ]);
    const pairs = roots.map((r) => `${r.domain}\u0000${r.root}`);
    expect(pairs).to.deep.equal([...pairs].sort());
    expect(new Set(pairs).size).to.equal(pairs.length);
  });

  it("returns the latest snapshot and prunes only older transient ones", async () => {
    const key = freshKey();
    const snap = (sequence: number, retention: number, data = [sequence]) =>
      store.putSnapshot(key, { sequence, retention, data: new Uint8Array(data) });
    const listed = async () => (await store.listSnapshots(key)).map((s) => [s.sequence, s.retention]);
    expect(await store.latestSnapshot(key)).to.equal(undefined);
    await snap(10, 2);
    await snap(2, 2);
    // A write prunes lower transient snapshots only: transient 10 survives both writes.
    expect(await listed()).to.deep.equal([
      [2, 2],
      [10, 2],
    ]);
    await snap(3, 0);
    expect(await listed()).to.deep.equal([
      [3, 0],
      [10, 2],
    ]);
    await snap(4, 1);
    await snap(5, 2);
    expect(await listed()).to.deep.equal([
      [3, 0],
      [4, 1],
      [5, 2],
      [10, 2],
    ]);
    await snap(6, 0);
    expect(await listed()).to.deep.equal([
      [3, 0],
      [4, 1],
      [6, 0],
      [10, 2],
    ]);
    expect(await store.latestSnapshot(key)).to.deep.equal({ sequence: 10, retention: 2, data: new Uint8Array([10]) });
    // Same sequence overwrites in place.
    await snap(10, 1, [7, 7]);
    expect(await store.latestSnapshot(key)).to.deep.equal({ sequence: 10, retention: 1, data: new Uint8Array([7, 7]) });
    expect(await listed()).to.deep.equal([
      [3, 0],
      [4, 1],
      [6, 0],
      [10, 1],
    ]);
    expect(await store.latestSnapshot({ ...key, edition: "v2" })).to.equal(undefined);
  });

  if (backend.isolated) persistentContract(backend, backend.isolated, () => store);

  it("close() releases resources and later calls fail with StorageError", async () => {
    const isolated = backend.isolated?.();
    const victim = await openEventStore(isolated?.config ?? backend.config);
    const key = freshKey();
    await victim.append({ key, correlationId: "", events: [ev(0)] });
    if (isolated) expect(await isolated.holds()).to.equal(true);
    await victim.close();
    await victim.close();
    if (isolated) expect(await eventually(async () => !(await isolated.holds()))).to.equal(true);
    for (const call of [
      () => victim.read(key),
      () => victim.append({ key, correlationId: "", events: [ev(1)] }),
      () => victim.listRoots(),
      () => victim.latestSnapshot(key),
    ]) {
      expect(await rejectionOf(call())).to.be.instanceOf(StorageError);
    }
  });

  backend.extra?.(() => store);
}

/** What backends that persist data (a file, a database) must add. */
function persistentContract(backend: Backend, isolated: NonNullable<Backend["isolated"]>, main: () => EventStore): void {
  it("keeps its data when closed and opened again", async () => {
    const { config, holds } = isolated();
    const key = freshKey();
    const first = await openEventStore(config);
    await first.append({
      key,
      correlationId: "persist",
      externalId: "e",
      events: [ev(0, [4, 2]), ev(3, [], "2024-01-15T10:30:00.5+01:00")],
    });
    await first.putSnapshot(key, { sequence: 0, retention: 1, data: new Uint8Array([1]) });
    const written = await first.read(key);
    await first.close();
    expect(await eventually(async () => !(await holds()))).to.equal(true);

    const again = await openEventStore(config);
    try {
      expect(await again.read(key)).to.deep.equal(written);
      expect(written.map((e) => e.createdAt)).to.deep.equal(["2024-01-15T10:30:00.000000000Z", "2024-01-15T09:30:00.500000000Z"]);
      expect(await again.latestSnapshot(key)).to.deep.equal({ sequence: 0, retention: 1, data: new Uint8Array([1]) });
      expect(await again.append({ key, correlationId: "", externalId: "e", events: [ev(4)] })).to.deep.equal({
        kind: "duplicate",
        firstSequence: 0,
        lastSequence: 3,
      });
      await expectConflict(again.append({ key, correlationId: "", events: [ev(3)] }), 4, 3);
    } finally {
      await again.close();
    }
  });

  it("lets one of several stores win a concurrent append", async () => {
    const store = main();
    const key = freshKey();
    const stores = [store, ...(await Promise.all([1, 2, 3].map(() => openEventStore(backend.config))))];
    try {
      const outcomes = await Promise.allSettled(
        stores.flatMap((s, i) => [0, 1, 2, 3, 4].map((j) => s.append({ key, correlationId: `${i}-${j}`, events: [ev(0)] }))),
      );
      expect(outcomes.filter((o) => o.status === "fulfilled")).to.have.length(1);
      for (const o of outcomes) {
        if (o.status === "rejected") expect(o.reason).to.be.instanceOf(SequenceConflictError);
      }
      expect(sequences(await store.read(key))).to.deep.equal([0]);
    } finally {
      await Promise.all(stores.slice(1).map((s) => s.close()));
    }
  });
}

function memoryBackend(): Backend {
  return { name: "memory", config: { type: "memory" }, cleanup: async () => {} };
}

function sqliteMemoryBackend(): Backend {
  return { name: "sqlite (:memory:)", config: { type: "sqlite", path: ":memory:" }, cleanup: async () => {} };
}

function sqliteFileBackend(): Backend {
  const dir = mkdtempSync(join(tmpdir(), "angzarr-storage-"));
  return {
    name: "sqlite (file)",
    config: { type: "sqlite", path: join(dir, "events.db") },
    isolated() {
      const path = join(dir, `isolated-${randomUUID()}.db`);
      // WAL mode keeps a -wal file while any connection is open; the last close removes it.
      return { config: { type: "sqlite", path }, holds: async () => existsSync(`${path}-wal`) };
    },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

function postgresBackend(): Backend {
  const schema = `storage_test_${process.pid}_${randomUUID().slice(0, 8)}`;
  const admin = new pg.Client({ connectionString: PG_URI });
  const connected = admin.connect();
  const config: StorageConfig = { type: "postgres", uri: PG_URI, schema };
  const withApp = (name: string) => `${PG_URI}${PG_URI.includes("?") ? "&" : "?"}application_name=${name}`;
  return {
    name: "postgres",
    config,
    isolated() {
      const app = `isolated_${randomUUID().slice(0, 8)}`;
      // A server backend leaves pg_stat_activity shortly after its client disconnects, hence
      // the tests poll for release.
      const holds = async () => {
        await connected;
        const r = await admin.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1", [app]);
        return Number(r.rows[0]!.n) > 0;
      };
      return { config: { ...config, uri: withApp(app) }, holds };
    },
    extra(store) {
      it("turns an insert race with a writer outside the lock into SequenceConflictError", async () => {
        await connected;
        const key = freshKey();
        const intruder = new pg.Client({ connectionString: PG_URI });
        await intruder.connect();
        try {
          await intruder.query("BEGIN");
          await intruder.query(
            `INSERT INTO ${pg.escapeIdentifier(schema)}.events (domain, edition, root, sequence, created_at, event_data)
             VALUES ($1, $2, $3, 0, $4, $5)`,
            [key.domain, key.edition, key.root, normaliseTimestamp(T0), Buffer.from([1])],
          );
          // Our append cannot see the uncommitted row, so it passes the check and then waits on it.
          const pending = store().append({ key, correlationId: "", events: [ev(0), ev(1)] });
          const caught = rejectionOf(pending);
          const waiting = await eventually(
            async () => {
              const r = await admin.query<{ n: string }>(
                "SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1",
                [`%${schema}%`],
              );
              return Number(r.rows[0]!.n);
            },
            { until: (n) => n > 0, tries: 250, intervalMs: 20, what: "appends waiting on the row lock" },
          );
          expect(waiting).to.equal(1);
          await intruder.query("COMMIT");
          const err = await caught;
          expect(err).to.be.instanceOf(SequenceConflictError);
          expect((err as Error).message).to.equal("Sequence conflict: expected 1, got 0");
          expect((await store().read(key)).map((e) => [e.sequence, [...e.data]])).to.deep.equal([[0, [1]]]);
        } finally {
          await intruder.end();
        }
      });

      it("fails to open with a StorageError when the server is unreachable", async () => {
        const err = await rejectionOf(openEventStore({ type: "postgres", uri: "postgres://postgres@127.0.0.1:1/test" }));
        expect(err).to.be.instanceOf(StorageError);
        expect((err as Error).message).to.match(/^Cannot open PostgreSQL event store: /);
      });
    },
    async cleanup() {
      await connected;
      await admin.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
      await admin.end();
    },
  };
}

for (const make of [memoryBackend, sqliteMemoryBackend, sqliteFileBackend, postgresBackend]) {
  const backend = make();
  describe(`EventStore contract: ${backend.name}`, () => {
    after(() => backend.cleanup());
    contract(backend);
  });
}

describe("storage helpers", () => {
  it("normalises RFC 3339 timestamps to fixed-width UTC with nanoseconds", () => {
    expect(normaliseTimestamp("2024-01-15T10:30:00Z")).to.equal("2024-01-15T10:30:00.000000000Z");
    expect(normaliseTimestamp("2024-01-15t10:30:00.1z")).to.equal("2024-01-15T10:30:00.100000000Z");
    expect(normaliseTimestamp("2024-01-01T01:00:00.123456789+02:00")).to.equal("2023-12-31T23:00:00.123456789Z");
    expect(normaliseTimestamp("0001-01-01T00:00:00-00:30")).to.equal("0001-01-01T00:30:00.000000000Z");
    expect(normaliseTimestamp("2024-02-29 23:59:59.5-01:00")).to.equal("2024-03-01T00:59:59.500000000Z");
  });

  it("rejects malformed timestamps", () => {
    for (const bad of [
      "2024-01-15T10:30:00",
      "2023-02-29T00:00:00Z",
      "2024-13-01T00:00:00Z",
      "2024-01-15T24:00:00Z",
      "2024-01-15T10:30:00.1234567890Z",
      "2024-01-15T10:30:00+01:60",
      "2024-01-15T10:30:00+24:00",
      "0000-01-01T00:00:00+01:00",
    ]) {
      expect(() => normaliseTimestamp(bad), bad).to.throw(RangeError);
    }
  });

  it("names the npm package when an optional driver cannot be loaded", async () => {
    const missing = () => Promise.reject(new Error("Cannot find package 'better-sqlite3'"));
    const err = await rejectionOf(loadDriver(missing, "SQLite", "better-sqlite3", "12"));
    expect((err as Error).message).to.equal(
      "SQLite storage needs the optional package better-sqlite3: npm install better-sqlite3@12 " +
        "(loading it failed: Cannot find package 'better-sqlite3')",
    );
  });

  it("rejects an unknown storage type", async () => {
    const err = await rejectionOf(openEventStore({ type: "mongodb" } as unknown as StorageConfig));
    expect((err as Error).message).to.equal("Unknown storage type: mongodb");
  });
});
