import { after, before, describe, it } from "node:test";
import { Server, ServerCredentials, type ServerWritableStream } from "@grpc/grpc-js";
import { expect } from "chai";
import { QueryClient } from "../../src/client/index.js";
import { packAny } from "../../src/core/any.js";
import { headerSequence } from "../../src/core/books.js";
import { newRoot } from "../../src/core/uuid.js";
import { GrpcError, InvalidArgumentError, Status } from "../../src/errors.js";
import { EventQueryServiceService } from "../../src/gen/angzarr/query.js";
import { Cover, type AggregateRoot, type EventPage } from "../../src/gen/angzarr/types.js";
import { eventually, rejectsWith } from "../support/assertions.js";
import { coverOf, rootOf, startTestCoordinator, type TestCoordinator } from "./support/coordinator.js";
import { CoordinatorTap } from "./support/coordinator-tap.js";

const seqs = (pages: EventPage[]) => pages.map((p) => headerSequence(p.header));
const event = (n: number): EventPage["payload"] => ({
  $case: "event",
  value: packAny(Cover, { domain: `e${n}`, root: undefined, correlationId: "", edition: undefined }),
});

/**
 * A stand-in for the one answer the coordinator cannot give: it stores roots as UUIDs, so it
 * never lists a root that is not 16 bytes. This server lists exactly one such root.
 */
async function startOddRootServer(): Promise<{ address: string; stop(): void }> {
  const server = new Server();
  const odd: AggregateRoot = { domain: "odd", root: { value: Buffer.from([1, 2, 3]) } };
  const getAggregateRoots = (call: ServerWritableStream<unknown, AggregateRoot>) => {
    call.write(odd);
    call.end();
  };
  server.addService(EventQueryServiceService, { getAggregateRoots });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { address: `127.0.0.1:${port}`, stop: () => server.forceShutdown() };
}

describe("QueryClient against the embedded coordinator", () => {
  let coordinator: TestCoordinator;
  let tap: CoordinatorTap;
  let queries: QueryClient;
  const root = newRoot();
  const other = newRoot();

  before(async () => {
    coordinator = await startTestCoordinator();
    tap = await CoordinatorTap.start(coordinator.address);
    queries = QueryClient.connect(tap.address, { timeoutMs: 5000 });
    await coordinator.seed(
      coverOf("orders", root),
      Array.from({ length: 10 }, (_, i) => event(i)),
      {
        createdAt: (i) => ({ seconds: 1_700_000_000 + i * 60, nanos: 0 }),
      },
    );
    await coordinator.seed(coverOf("orders", other), [event(0), event(1)], { correlationId: "corr-7" });
    await coordinator.seed(coverOf("orders", root, "branch"), [event(100)]);
  });
  after(async () => {
    await queries.close();
    tap.stop();
    await coordinator.stop();
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
    const odd = await startOddRootServer();
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
    const before = tap.cancellations;
    await queries.query("orders", root).getEvents().collect();
    await queries.getAggregateRoots().collect();
    await new Promise((r) => setTimeout(r, 50));
    expect(tap.cancellations).to.equal(before);
  });

  it("breaking out of a stream cancels the call on the server", async () => {
    tap.repeatStreams = true;
    try {
      const before = tap.cancellations;
      let seen = 0;
      for await (const book of queries.query("orders", root).getEvents()) {
        expect(book.pages).to.have.length(10);
        if (++seen === 3) break;
      }
      expect(seen).to.equal(3);
      await eventually(() => tap.cancellations, { until: (n) => n > before, what: "server-side cancellations" });
      expect(tap.cancellations).to.be.greaterThan(before);
    } finally {
      tap.repeatStreams = false;
    }
  });

  it("an abort signal stops a running stream with CANCELLED", async () => {
    tap.repeatStreams = true;
    try {
      const controller = new AbortController();
      const err = await rejectsWith(async () => {
        for await (const _ of queries.query("orders", root).getEvents({ signal: controller.signal })) controller.abort();
      }, GrpcError);
      expect(err.code).to.equal(Status.CANCELLED);
    } finally {
      tap.repeatStreams = false;
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
      const before = tap.cancellations;
      const session = queries.synchronize();
      session.send(queries.query("orders", root).build());
      for await (const _ of session) break;
      await eventually(() => tap.cancellations, { until: (n) => n > before, what: "server-side cancellations" });
      expect(tap.cancellations).to.be.greaterThan(before);
      const second = queries.synchronize();
      second.cancel();
      const err = await rejectsWith(async () => {
        for await (const _ of second);
      }, GrpcError);
      expect(err.code).to.equal(Status.CANCELLED);
    });
  });
});
