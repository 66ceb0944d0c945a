import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { QueryClient } from "../../src/client/index.js";
import { packAny } from "../../src/core/any.js";
import { headerSequence } from "../../src/core/books.js";
import { newRoot } from "../../src/core/uuid.js";
import { GrpcError, InvalidArgumentError, Status } from "../../src/errors.js";
import { Cover, type EventPage } from "../../src/gen/angzarr/types.js";
import { rejectsWith } from "./support/expect.js";
import { coverOf, FakeCoordinator, rootOf } from "./support/fake-coordinator.js";

const seqs = (pages: EventPage[]) => pages.map((p) => headerSequence(p.header));
const event = (n: number): EventPage["payload"] => ({
  $case: "event",
  value: packAny(Cover, { domain: `e${n}`, root: undefined, correlationId: "", edition: undefined }),
});
const until = async (check: () => boolean, ms = 2000) => {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  return check();
};

describe("QueryClient against a real gRPC server", () => {
  let fake: FakeCoordinator;
  let queries: QueryClient;
  const root = newRoot();
  const other = newRoot();

  before(async () => {
    fake = await FakeCoordinator.start();
    queries = QueryClient.connect(fake.address, { timeoutMs: 5000 });
    fake.seed(coverOf("orders", root), Array.from({ length: 10 }, (_, i) => event(i)), "", (i) => ({
      seconds: 1_700_000_000 + i * 60,
      nanos: 0,
    }));
    fake.seed(coverOf("orders", other), [event(0), event(1)], "corr-7");
    fake.seed(coverOf("orders", root, "branch"), [event(100)]);
  });
  after(async () => {
    await queries.close();
    fake.stop();
  });

  it("reads a whole book", async () => {
    const book = await queries.getEventBook(queries.query("orders", root).build());
    expect(seqs(book.pages)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(book.nextSequence).to.equal(10);
    expect(rootOf(book)).to.equal(root);
  });

  it("rangeTo(3, 7) returns 3..7, five events (inclusive)", async () => {
    const pages = await queries.query("orders", root).rangeTo(3, 7).getPages();
    expect(seqs(pages)).to.deep.equal([3, 4, 5, 6, 7]);
  });

  it("range, sequences, asOfSequence and asOfTime select what they say", async () => {
    expect(seqs(await queries.query("orders", root).range(8).getPages())).to.deep.equal([8, 9]);
    expect(seqs(await queries.query("orders", root).sequences([9, 1, 4]).getPages())).to.deep.equal([1, 4, 9]);
    expect(seqs(await queries.query("orders", root).asOfSequence(2).getPages())).to.deep.equal([0, 1, 2]);
    const at = new Date((1_700_000_000 + 3 * 60) * 1000);
    expect(seqs(await queries.query("orders", root).asOfTime(at).getPages())).to.deep.equal([0, 1, 2, 3]);
  });

  it("reads an edition and a never-written aggregate", async () => {
    expect(seqs(await queries.query("orders", root).withEdition("branch").getPages())).to.deep.equal([0]);
    const empty = await queries.query("orders", newRoot()).getEventBook();
    expect(empty.pages).to.deep.equal([]);
    expect(empty.nextSequence).to.equal(0);
  });

  it("queries by correlation id", async () => {
    const book = await queries.queryByCorrelation("corr-7").getEventBook();
    expect(rootOf(book)).to.equal(other);
    expect(book.cover!.correlationId).to.equal("corr-7");
  });

  it("streams GetEvents and collects them", async () => {
    const books = await queries.query("orders", root).getEvents().collect();
    expect(books).to.have.length(1);
    expect(seqs(books[0]!.pages)).to.have.length(10);
    let n = 0;
    for await (const book of queries.getEvents(queries.query("orders", other).build())) n += book.pages.length;
    expect(n).to.equal(2);
  });

  it("lists aggregate roots as { domain, root } strings", async () => {
    const refs = await queries.getAggregateRoots().collect();
    expect(refs).to.deep.include({ domain: "orders", root });
    expect(refs).to.deep.include({ domain: "orders", root: other });
    for await (const ref of queries.getAggregateRoots()) expect(ref.root).to.match(/^[0-9a-f-]{36}$/);
  });

  it("reports a root that is not 16 bytes as hex instead of failing the listing", async () => {
    const odd = await FakeCoordinator.start();
    odd.seed({ domain: "odd", root: { value: Buffer.from([1, 2, 3]) }, correlationId: "" }, [event(0)]);
    await using client = QueryClient.connect(odd.address);
    try {
      expect(await client.getAggregateRoots().collect()).to.deep.equal([{ domain: "odd", root: "010203" }]);
    } finally {
      odd.stop();
    }
  });

  it("maps server refusals to GrpcError", async () => {
    const err = await rejectsWith(queries.getEventBook({ cover: undefined, selection: undefined }), GrpcError);
    expect(err.code).to.equal(Status.INVALID_ARGUMENT);
    expect(err.isInvalidArgument()).to.equal(true);
    const streamErr = await rejectsWith(queries.getEvents({ cover: undefined, selection: undefined }).collect(), GrpcError);
    expect(streamErr.code).to.equal(Status.INVALID_ARGUMENT);
  });

  it("a stream read to its end is not cancelled", async () => {
    const before = fake.cancellations;
    await queries.query("orders", root).getEvents().collect();
    await queries.getAggregateRoots().collect();
    await new Promise((r) => setTimeout(r, 50));
    expect(fake.cancellations).to.equal(before);
  });

  it("breaking out of a stream cancels the call on the server", async () => {
    fake.endlessStreams = true;
    try {
      const before = fake.cancellations;
      let seen = 0;
      for await (const book of queries.query("orders", root).getEvents()) {
        expect(book.pages).to.have.length(10);
        if (++seen === 3) break;
      }
      expect(seen).to.equal(3);
      expect(await until(() => fake.cancellations > before)).to.equal(true);
    } finally {
      fake.endlessStreams = false;
    }
  });

  it("an abort signal stops a running stream with CANCELLED", async () => {
    fake.endlessStreams = true;
    try {
      const controller = new AbortController();
      const err = await rejectsWith(async () => {
        for await (const _ of queries.query("orders", root).getEvents({ signal: controller.signal })) controller.abort();
      }, GrpcError);
      expect(err.code).to.equal(Status.CANCELLED);
    } finally {
      fake.endlessStreams = false;
    }
  });

  describe("Synchronize", () => {
    it("answers one book per sent query, then ends after end()", async () => {
      const session = queries.synchronize();
      session.send(queries.query("orders", root).asOfSequence(1).build());
      session.send(queries.query("orders", other).build());
      session.end();
      const books = [];
      for await (const book of session) books.push(book);
      expect(books.map((b) => b.pages.length)).to.deep.equal([2, 2]);
      expect(rootOf(books[1]!)).to.equal(other);
    });

    it("lets the caller send after reading, and refuses send after end and a second iteration", async () => {
      const session = queries.synchronize({ timeoutMs: 5000 });
      session.send(queries.query("orders", root).build());
      const iterator = session[Symbol.asyncIterator]();
      expect((await iterator.next()).value?.pages).to.have.length(10);
      session.send(queries.query("orders", other).build());
      expect((await iterator.next()).value?.pages).to.have.length(2);
      session.end();
      expect((await iterator.next()).done).to.equal(true);
      expect(() => session.send(queries.query("orders", root).build())).to.throw(InvalidArgumentError);
      await rejectsWith(session[Symbol.asyncIterator]().next(), InvalidArgumentError);
    });

    it("reports a stream error as GrpcError", async () => {
      const session = queries.synchronize();
      session.send({ cover: undefined, selection: undefined });
      const err = await rejectsWith(async () => {
        for await (const _ of session);
      }, GrpcError);
      expect(err.code).to.equal(Status.INVALID_ARGUMENT);
    });

    it("cancel() and break cancel the call", async () => {
      const before = fake.cancellations;
      const session = queries.synchronize();
      session.send(queries.query("orders", root).build());
      for await (const _ of session) break;
      expect(await until(() => fake.cancellations > before)).to.equal(true);
      const second = queries.synchronize();
      second.cancel();
      const err = await rejectsWith(async () => {
        for await (const _ of second);
      }, GrpcError);
      expect(err.code).to.equal(Status.CANCELLED);
    });
  });
});
