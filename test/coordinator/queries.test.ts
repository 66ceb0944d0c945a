/** EventQueryService against both storage backends. */
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { bytesToUuid, uuidToProto } from "../../src/core/uuid.js";
import type { Query } from "../../src/gen/angzarr/types.js";
import {
  BACKENDS,
  command,
  type CallError,
  facts,
  newRoot,
  query,
  seqOf,
  startBusiness,
  startHarness,
  Status,
  text,
  type Business,
  type Harness,
} from "./helpers.js";
import { rejectionOf } from "../support/assertions.js";

const branch = { edition: { name: "branch", divergences: [] } };

for (const storage of BACKENDS) {
  describe(`EventQueryService (${storage.type})`, () => {
    let business: Business;
    let h: Harness;
    let root: string;
    before(async () => {
      business = await startBusiness();
      h = await startHarness({ storage, routes: { orders: business.address, stock: business.address } });
      root = newRoot();
      await h.handle(command("orders", root, "AddMany", { payload: "10" }));
    });
    after(async () => {
      await h.close();
      await business.stop();
    });

    const seqs = async (q: Query) => (await h.book(q)).pages.map(seqOf);

    it("returns an empty book for a never-written aggregate (no NOT_FOUND)", async () => {
      const book = await h.book(query("nowhere", newRoot()));
      expect(book.pages).to.deep.equal([]);
      expect(book.nextSequence).to.equal(0);
      expect(book.cover!.domain).to.equal("nowhere");
      expect(book.cover!.edition!.name).to.equal("angzarr");
    });

    it("returns full history with a computed next_sequence", async () => {
      const book = await h.book(query("orders", root));
      expect(book.pages.map(seqOf)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(book.pages.map(text)).to.deep.equal(["e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8", "e9"]);
      expect(book.nextSequence).to.equal(10);
      expect(book.pages[0]!.createdAt).to.equal(undefined, "pages are returned exactly as the handler produced them");
    });

    it("serves ranges with an inclusive upper bound", async () => {
      expect(await seqs(query("orders", root, { selection: { $case: "range", value: { lower: 5 } } }))).to.deep.equal([5, 6, 7, 8, 9]);
      expect(await seqs(query("orders", root, { selection: { $case: "range", value: { lower: 3, upper: 7 } } }))).to.deep.equal([3, 4, 5, 6, 7]);
      expect(await seqs(query("orders", root, { selection: { $case: "range", value: { lower: 20 } } }))).to.deep.equal([]);
      const book = await h.book(query("orders", root, { selection: { $case: "range", value: { lower: 3, upper: 7 } } }));
      expect(book.nextSequence).to.equal(8);
    });

    it("serves sequence sets (contiguous or sparse) and temporal selections", async () => {
      const set = (values: number[]) => query("orders", root, { selection: { $case: "sequences", value: { values } } });
      expect(await seqs(set([4, 2, 3]))).to.deep.equal([2, 3, 4]);
      expect(await seqs(set([1, 8, 5]))).to.deep.equal([1, 5, 8]);
      expect(await seqs(set([]))).to.deep.equal([]);
      const asOf = query("orders", root, { selection: { $case: "temporal", value: { pointInTime: { $case: "asOfSequence", value: 5 } } } });
      expect(await seqs(asOf)).to.deep.equal([0, 1, 2, 3, 4, 5]);
    });

    it("selects by time (created_at ≤ T)", async () => {
      const r = newRoot();
      await h.fact(facts("orders", r, ["early"]));
      const cut = Math.floor(Date.now() / 1000) + 1;
      await new Promise((res) => setTimeout(res, 1100));
      await h.fact(facts("orders", r, ["late"]));
      const at = (seconds: number, nanos = 0) =>
        query("orders", r, { selection: { $case: "temporal", value: { pointInTime: { $case: "asOfTime", value: { seconds, nanos } } } } });
      expect((await h.book(at(cut))).pages.map(text)).to.deep.equal(["early"]);
      expect((await h.book(at(cut + 3600))).pages.map(text)).to.deep.equal(["early", "late"]);
      expect((await h.book(at(0))).pages).to.deep.equal([]);
      const bad = await rejectionOf<CallError>(h.book(at(cut, 2_000_000_000)));
      expect([bad.code, bad.details]).to.deep.equal([Status.INVALID_ARGUMENT, `Invalid timestamp: seconds=${cut}, nanos=2000000000`]);
    });

    it("rejects a temporal selection without a point with a clear message", async () => {
      const err = await rejectionOf<CallError>(h.book(query("orders", root, { selection: { $case: "temporal", value: {} } })));
      expect([err.code, err.details]).to.deep.equal([Status.INVALID_ARGUMENT, "Temporal query requires either as_of_time or as_of_sequence"]);
    });

    it("composes editions: main events below the divergence point, then the edition's own", async () => {
      const r = newRoot();
      await h.handle(command("orders", r, "AddMany", { payload: "3" }));
      // An edition without rows sees the main timeline; its first command is checked against main's next.
      const inherited = await h.book(query("orders", r, {}, branch));
      expect(inherited.pages.map(seqOf)).to.deep.equal([0, 1, 2]);
      expect(inherited.cover!.edition!.name).to.equal("branch");
      await h.handle(command("orders", r, "AddMany", { sequence: 3, payload: "2", cover: branch }));
      await h.handle(command("orders", r, "Add", { sequence: 3 }));
      await h.handle(command("orders", r, "Add", { sequence: 4 }));
      expect(await seqs(query("orders", r))).to.deep.equal([0, 1, 2, 3, 4]);
      const composite = await h.book(query("orders", r, {}, branch));
      expect(composite.pages.map(seqOf)).to.deep.equal([0, 1, 2, 3, 4]);
      expect(composite.pages.slice(3).map(text)).to.deep.equal(["e3", "e4"]);
      // Ranges read the edition's own rows only.
      expect(await seqs(query("orders", r, { selection: { $case: "range", value: { lower: 0 } } }, branch))).to.deep.equal([3, 4]);
      // The edition's next sequence comes from its own rows now.
      const err = await rejectionOf<CallError>(h.handle(command("orders", r, "Add", { sequence: 3, cover: branch })));
      expect(err.details).to.equal("Sequence mismatch: command expects 3, aggregate at 5");
      // GetEvents ignores editions and selections: full main history.
      const streamed = await h.events(query("orders", r, { selection: { $case: "range", value: { lower: 4 } } }, branch));
      expect(streamed).to.have.length(1);
      expect(streamed[0]!.pages.map(seqOf)).to.deep.equal([0, 1, 2, 3, 4]);
      expect(streamed[0]!.cover!.edition!.name).to.equal("angzarr");
    });

    it("finds events by correlation id", async () => {
      const [a, b] = [newRoot(), newRoot()].sort();
      await h.handle(command("stock", b!, "Add", { cover: { correlationId: "flow-1" } }));
      await h.handle(command("orders", b!, "Add", { cover: { correlationId: "flow-1" } }));
      await h.handle(command("orders", a!, "AddMany", { payload: "2", cover: { correlationId: "flow-1" } }));
      const one = await h.book({ cover: { domain: "", correlationId: "flow-1" } });
      expect(one.cover!.domain).to.equal("orders");
      expect(bytesToUuid(one.cover!.root!.value)).to.equal(a);
      expect(one.cover!.correlationId).to.equal("flow-1");
      expect(one.pages.map(seqOf)).to.deep.equal([0, 1]);
      expect(one.nextSequence).to.equal(0);
      const all = await h.events({ cover: { domain: "", correlationId: "flow-1" } });
      expect(all.map((bk) => `${bk.cover!.domain}/${bytesToUuid(bk.cover!.root!.value)}`)).to.deep.equal([
        `orders/${a}`,
        `orders/${b}`,
        `stock/${b}`,
      ]);
      const none = await h.book({ cover: { domain: "", correlationId: "no-such-flow" } });
      expect(none.cover).to.equal(undefined);
      expect(none.pages).to.deep.equal([]);
      expect(await h.events({ cover: { domain: "", correlationId: "no-such-flow" } })).to.deep.equal([]);
    });

    it("Synchronize answers each query in order, with an exclusive range upper bound", async () => {
      const books = await h.synchronize([
        query("orders", root, { selection: { $case: "range", value: { lower: 3, upper: 7 } } }),
        query("orders", root),
        query("nowhere", newRoot()),
      ]);
      expect(books.map((b) => b.pages.map(seqOf))).to.deep.equal([[3, 4, 5, 6], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], []]);
    });

    it("Synchronize ends the stream with an error for a query without root", async () => {
      const err = await rejectionOf<CallError>(h.synchronize([query("orders", root), { cover: { domain: "orders", correlationId: "" } }]));
      expect([err.code, err.details]).to.deep.equal([Status.INVALID_ARGUMENT, "Query must have a root UUID"]);
      const noCover = await rejectionOf<CallError>(h.synchronize([{}]));
      expect(noCover.details).to.equal("Query must have a cover");
    });

    it("lists aggregate roots with main-timeline events", async () => {
      const r = newRoot();
      const editionOnly = newRoot();
      await h.handle(command("stock", r, "Add"));
      await h.handle(command("stock", editionOnly, "Add", { cover: branch }));
      const roots = await h.roots();
      const listed = roots.map((x) => `${x.domain}/${bytesToUuid(x.root!.value)}`);
      expect(listed).to.include(`stock/${r}`);
      expect(listed).to.include(`orders/${root}`);
      expect(listed).to.not.include(`stock/${editionOnly}`);
      expect(new Set(listed).size).to.equal(listed.length);
    });
  });
}

describe("EventQueryService validation", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  const root = newRoot();
  const cases: Array<[string, Query, string]> = [
    ["no cover", {}, "Query must have a cover with domain/root or correlation_id"],
    ["empty domain", query("", root), "domain name cannot be empty"],
    ["no root", { cover: { domain: "orders", correlationId: "" } }, "Query must have a root UUID or correlation_id"],
    [
      "short root",
      { cover: { domain: "orders", correlationId: "", root: { value: Buffer.alloc(4) } } },
      "Invalid UUID: invalid length: expected 16 bytes, found 4",
    ],
    ["bad edition", query("orders", root, {}, { edition: { name: "9x", divergences: [] } }), "edition name must start with lowercase letter"],
    ["bad correlation", { cover: { domain: "", correlationId: "a:b" } }, "correlation_id contains invalid characters (allowed: a-zA-Z0-9_-)"],
  ];
  for (const [name, q, message] of cases) {
    it(`GetEventBook: ${name} → INVALID_ARGUMENT`, async () => {
      const err = await rejectionOf<CallError>(h.book(q));
      expect([err.code, err.details]).to.deep.equal([Status.INVALID_ARGUMENT, message]);
    });
  }

  it("GetEvents validates before streaming", async () => {
    const err = await rejectionOf<CallError>(h.events({ cover: { domain: "orders", correlationId: "" } }));
    expect([err.code, err.details]).to.deep.equal([Status.INVALID_ARGUMENT, "Query must have a root UUID or correlation_id"]);
    const ok = await h.events(query("orders", root, {}, { edition: { name: "Ignored", divergences: [] } }));
    expect(ok).to.have.length(1);
  });

  it("Synchronize does not validate domains", async () => {
    const [book] = await h.synchronize([{ cover: { domain: "Not.Valid", correlationId: "", root: uuidToProto(root) } }]);
    expect(book!.pages).to.deep.equal([]);
  });
});
