/**
 * loadAggregate keeps the pages it decoded and reads only newer rows on the next load: every
 * load must still equal what a fresh read of the store gives (snapshot plus the pages after
 * it), whoever wrote in between and whatever happened to the snapshot.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { expect } from "chai";
import { sequenceHeader } from "../../src/core/books.js";
import { bookOfRows, storedCover } from "../../src/coordinator/aggregates/books.js";
import { loadAggregate } from "../../src/coordinator/aggregates/loading.js";
import { MAIN_EDITION, openEventStore, type AggregateKey, type EventStore } from "../../src/coordinator/storage/index.js";
import { EventPage, Snapshot } from "../../src/gen/angzarr/types.js";

const dir = mkdtempSync(join(tmpdir(), "angzarr-loading-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function page(sequence: number): Uint8Array {
  const p: EventPage = {
    header: sequenceHeader(sequence),
    createdAt: { seconds: 1_700_000_000 + sequence, nanos: 0 },
    payload: { $case: "event", value: { typeUrl: "type.googleapis.com/test.Event", value: Buffer.from([sequence & 0xff]) } },
    noCommit: false,
  };
  return EventPage.encode(p).finish();
}

async function append(store: EventStore, key: AggregateKey, from: number, count: number): Promise<void> {
  const events = Array.from({ length: count }, (_, i) => ({ sequence: from + i, createdAt: "2024-01-15T10:30:00Z", data: page(from + i) }));
  await store.append({ key, correlationId: "", events });
}

async function snapshot(store: EventStore, key: AggregateKey, sequence: number, state: number): Promise<void> {
  const data = Snapshot.encode({
    sequence,
    state: { typeUrl: "type.googleapis.com/test.State", value: Buffer.from([state]) },
    retention: 0,
  }).finish();
  await store.putSnapshot(key, { sequence, data, retention: 0 });
}

/** What loadAggregate answered before it kept anything: a fresh read. */
async function fresh(store: EventStore, key: AggregateKey) {
  const stored = await store.latestSnapshot(key);
  const snap = stored && { ...Snapshot.decode(stored.data), sequence: stored.sequence };
  return bookOfRows(storedCover(key), await store.read(key, { from: stored ? stored.sequence + 1 : 0 }), snap);
}

async function expectFresh(store: EventStore, key: AggregateKey): Promise<void> {
  const loaded = await loadAggregate(store, key);
  expect(text(loaded)).to.equal(text(await fresh(store, key)));
}

/** A book as comparable text, bytes as hex. */
function text(book: object): string {
  return JSON.stringify(book, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v));
}

for (const type of ["memory", "sqlite"] as const) {
  describe(`loadAggregate keeps decoded history (${type})`, () => {
    const open = () => openEventStore(type === "memory" ? { type } : { type, path: join(dir, `${randomUUID()}.db`) });

    it("reads only what was appended since, and answers as a fresh read", async () => {
      const store = await open();
      const key = { domain: "orders", edition: MAIN_EDITION, root: randomUUID() };
      await expectFresh(store, key); // empty
      await append(store, key, 0, 3);
      await expectFresh(store, key);
      await append(store, key, 3, 2);
      await expectFresh(store, key);
      // Another writer of the same store (as a second coordinator would be) with a gap.
      await append(store, key, 7, 1);
      const book = await loadAggregate(store, key);
      expect(book.pages.length).to.equal(6);
      expect(book.nextSequence).to.equal(8);
      await expectFresh(store, key);
      await store.close();
    });

    it("follows a new snapshot, and a snapshot replaced at the same sequence", async () => {
      const store = await open();
      const key = { domain: "orders", edition: MAIN_EDITION, root: randomUUID() };
      await append(store, key, 0, 5);
      await expectFresh(store, key);
      await snapshot(store, key, 4, 1);
      await expectFresh(store, key);
      expect((await loadAggregate(store, key)).pages).to.deep.equal([]);
      await append(store, key, 5, 2);
      await expectFresh(store, key);
      await snapshot(store, key, 6, 2);
      await expectFresh(store, key);
      await snapshot(store, key, 6, 3); // same sequence, other state
      const book = await loadAggregate(store, key);
      expect(Buffer.from(book.snapshot!.state!.value)).to.deep.equal(Buffer.from([3]));
      await expectFresh(store, key);
      await store.close();
    });

    it("returns books a caller may change without changing the next load", async () => {
      const store = await open();
      const key = { domain: "orders", edition: MAIN_EDITION, root: randomUUID() };
      await append(store, key, 0, 2);
      const first = await loadAggregate(store, key);
      first.pages.pop();
      first.pages.push(first.pages[0]!);
      await expectFresh(store, key);
      await store.close();
    });

    it("keeps aggregates apart, and editions read as before", async () => {
      const store = await open();
      const a = { domain: "orders", edition: MAIN_EDITION, root: randomUUID() };
      const b = { domain: "orders", edition: MAIN_EDITION, root: randomUUID() };
      await append(store, a, 0, 3);
      await append(store, b, 0, 1);
      await expectFresh(store, a);
      await expectFresh(store, b);
      const branch = { ...a, edition: "what-if" };
      const inherited = await loadAggregate(store, branch);
      expect(inherited.pages.length).to.equal(3);
      await append(store, branch, 3, 1);
      expect((await loadAggregate(store, branch)).pages.length).to.equal(4);
      await expectFresh(store, a);
      await store.close();
    });
  });
}
