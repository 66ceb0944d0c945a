/** HandleEvent, HandleSyncSpeculative, HandleCompensation and upcasting. */
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { sequenceHeader } from "../../src/core/books.js";
import { UpcasterServiceService } from "../../src/gen/angzarr/upcaster.js";
import {
  any,
  BACKENDS,
  command,
  counter,
  type CallError,
  facts,
  newRoot,
  query,
  seqOf,
  serve,
  startBusiness,
  startHarness,
  Status,
  text,
  typeOf,
  type Business,
  type Harness,
} from "./helpers.js";
import { rejectionOf } from "../support/assertions.js";

for (const storage of BACKENDS) {
  describe(`HandleEvent (${storage.type})`, () => {
    let business: Business;
    let h: Harness;
    before(async () => {
      const base = counter();
      business = await startBusiness({
        handle: base.handle,
        handleFact: (req) => ({
          ...req.facts!,
          pages: req.facts!.pages.map((p) => ({ ...p, payload: { $case: "event", value: any("Routed", text(p)) } })),
        }),
      });
      h = await startHarness({ storage, routes: { orders: business.address } });
    });
    after(async () => {
      await h.close();
      await business.stop();
    });

    it("stores facts at the aggregate's next sequences, replacing headers and filling created_at", async () => {
      const root = newRoot();
      await h.handle(command("orders", root, "AddMany", { payload: "3" }));
      const res = await h.fact(facts("orders", root, ["f1", "f2"], { externalId: "pay-1", cover: { correlationId: "c-9" } }));
      expect(res.alreadyProcessed).to.equal(false);
      expect(res.events!.pages.map(seqOf)).to.deep.equal([3, 4]);
      expect(res.events!.nextSequence).to.equal(5);
      expect(res.events!.cover!.correlationId).to.equal("c-9");
      for (const page of res.events!.pages) expect(page.createdAt).to.not.equal(undefined);
      const book = await h.book(query("orders", root));
      expect(book.pages.map(seqOf)).to.deep.equal([0, 1, 2, 3, 4]);
      expect(book.pages.slice(3).map(text)).to.deep.equal(["f1", "f2"]);
      expect(book.pages[3]!.createdAt).to.not.equal(undefined);
      expect(business.factCalls).to.have.length(0, "route_to_handler defaults to false");
    });

    it("is idempotent by the first page's external id", async () => {
      const root = newRoot();
      const first = await h.fact(facts("orders", root, ["a", "b"], { externalId: "ext-1" }));
      await h.handle(command("orders", root, "Add", { sequence: 2 }));
      const again = await h.fact(facts("orders", root, ["a", "b"], { externalId: "ext-1" }));
      expect(again.alreadyProcessed).to.equal(true);
      expect(again.events!.pages.map(seqOf)).to.deep.equal(first.events!.pages.map(seqOf));
      expect(again.events!.nextSequence).to.equal(3);
      // Like Angzarr 0.5.1: a fresh fact's cover is the request's, a duplicate's names the edition.
      expect(first.events!.cover!.edition).to.equal(undefined);
      expect(again.events!.cover!.edition?.name).to.equal("angzarr");
      expect((await h.book(query("orders", root))).pages).to.have.length(3);
    });

    it("fails a fact whose created_at has out-of-range nanos with the reference's INTERNAL text, storing nothing", async () => {
      const root = newRoot();
      const bad = facts("orders", root, ["a"]);
      bad.events!.pages[0]!.createdAt = { seconds: 1, nanos: 2_000_000_000 };
      const err = await rejectionOf<CallError>(h.fact(bad));
      expect([err.code, err.details]).to.deep.equal([Status.INTERNAL, "Failed to persist events: Invalid timestamp: seconds=1, nanos=2000000000"]);
      expect((await h.book(query("orders", root))).pages).to.have.length(0);
    });

    it("does not deduplicate without an external id on the first page", async () => {
      const root = newRoot();
      await h.fact(facts("orders", root, ["a"]));
      const again = await h.fact(facts("orders", root, ["a"]));
      expect(again.alreadyProcessed).to.equal(false);
      expect((await h.book(query("orders", root))).pages.map(seqOf)).to.deep.equal([0, 1]);
    });

    it("routes facts through HandleFact when asked to, before the idempotency check", async () => {
      const root = newRoot();
      await h.handle(command("orders", root, "Add"));
      const res = await h.fact(facts("orders", root, ["x"], { externalId: "r-1", routeToHandler: true }));
      expect(res.events!.pages.map((p) => typeOf(p.payload!.value as never))).to.deep.equal(["Routed"]);
      expect(res.events!.pages.map(seqOf)).to.deep.equal([1]);
      expect(business.factCalls.at(-1)!.priorEvents!.pages.map(seqOf)).to.deep.equal([0]);
      const again = await h.fact(facts("orders", root, ["x"], { externalId: "r-1", routeToHandler: true }));
      expect(again.alreadyProcessed).to.equal(true);
      expect(business.factCalls).to.have.length(2);
    });

    it("validates facts with the reference's messages", async () => {
      const root = newRoot();
      const missing = await rejectionOf<CallError>(h.fact({ syncMode: 0, routeToHandler: false }));
      expect([missing.code, missing.details]).to.deep.equal([Status.INVALID_ARGUMENT, "EventRequest must have events"]);
      const noCover = await rejectionOf<CallError>(h.fact({ events: { pages: [], nextSequence: 0 }, syncMode: 0, routeToHandler: false }));
      expect(noCover.details).to.equal("EventBook must have a cover");
      const unmarked = facts("orders", root, ["a"]);
      unmarked.events!.pages[0]!.header = sequenceHeader(0);
      const err = await rejectionOf<CallError>(h.fact(unmarked));
      expect([err.code, err.details]).to.deep.equal([Status.INVALID_ARGUMENT, "Fact events must have ExternalDeferredSequence markers"]);
      // The correlation id is not validated for facts.
      const dotted = await h.fact(facts("orders", root, ["a"], { cover: { correlationId: "a.b" } }));
      expect(dotted.events!.pages).to.have.length(1);
    });
  });
}

describe("HandleEvent without HandleFact", () => {
  it("propagates UNIMPLEMENTED when routing to a handler that lacks HandleFact", async () => {
    const business = await startBusiness();
    const h = await startHarness({ routes: { orders: business.address } });
    try {
      const err = await rejectionOf<CallError>(h.fact(facts("orders", newRoot(), ["a"], { routeToHandler: true })));
      expect(err.code).to.equal(Status.UNIMPLEMENTED);
    } finally {
      await h.close();
      await business.stop();
    }
  });
});

describe("HandleSyncSpeculative", () => {
  let business: Business;
  let h: Harness;
  before(async () => {
    business = await startBusiness();
    h = await startHarness({ routes: { orders: business.address } });
  });
  after(async () => {
    await h.close();
    await business.stop();
  });

  const speculate = (
    root: string,
    type: string,
    point?: { $case: "asOfSequence"; value: number } | { $case: "asOfTime"; value: { seconds: number; nanos: number } },
  ) => ({
    command: command("orders", root, type).command,
    pointInTime: point && { pointInTime: point },
  });

  it("runs the handler against events 0..=N and persists nothing", async () => {
    const root = newRoot();
    await h.handle(command("orders", root, "AddMany", { payload: "4" }));
    const res = await h.speculate(speculate(root, "Add", { $case: "asOfSequence", value: 1 }));
    expect(business.calls.at(-1)!.events!.pages.map(seqOf)).to.deep.equal([0, 1]);
    expect(business.calls.at(-1)!.events!.nextSequence).to.equal(2);
    expect(res.events!.pages.map(seqOf)).to.deep.equal([2]);
    expect(res.events!.cover!.correlationId).to.equal("", "returned verbatim");
    expect(res.projections).to.deep.equal([]);
    expect((await h.book(query("orders", root))).pages).to.have.length(4);
  });

  it("as_of_time sees the events created at or before T (a deliberate fix of the reference)", async () => {
    const root = newRoot();
    await h.fact(facts("orders", root, ["a"]));
    const cut = Math.floor(Date.now() / 1000) + 1;
    await new Promise((r) => setTimeout(r, 1100));
    await h.fact(facts("orders", root, ["b"]));
    await h.speculate(speculate(root, "Add", { $case: "asOfTime", value: { seconds: cut, nanos: 0 } }));
    expect(business.calls.at(-1)!.events!.pages.map(text)).to.deep.equal(["a"]);
  });

  it("validates like the reference", async () => {
    const noCommand = await rejectionOf<CallError>(h.speculate({}));
    expect([noCommand.code, noCommand.details]).to.deep.equal([Status.INVALID_ARGUMENT, "SpeculateAggregateRequest must have a command"]);
    const noPoint = await rejectionOf<CallError>(h.speculate(speculate(newRoot(), "Add")));
    expect(noPoint.details).to.equal("Speculative requires either as_of_sequence or as_of_timestamp");
    const emptyPoint = await rejectionOf<CallError>(h.speculate({ command: command("orders", newRoot(), "Add").command, pointInTime: {} }));
    expect(emptyPoint.details).to.equal("Speculative requires either as_of_sequence or as_of_timestamp");
  });

  it("returns business errors at once and revocations as FAILED_PRECONDITION", async () => {
    const calls = business.calls.length;
    const rejected = await rejectionOf<CallError>(h.speculate(speculate(newRoot(), "Reject", { $case: "asOfSequence", value: 10 })));
    expect([rejected.code, rejected.details]).to.deep.equal([Status.FAILED_PRECONDITION, "rejected: "]);
    expect(business.calls.length - calls).to.equal(1);
    const revoked = await rejectionOf<CallError>(h.speculate(speculate(newRoot(), "Revoke", { $case: "asOfSequence", value: 10 })));
    expect(revoked.details).to.equal("Command revoked: ");
    const notified = await h.speculate(speculate(newRoot(), "Notify", { $case: "asOfSequence", value: 10 }));
    expect(notified.events!.pages).to.deep.equal([]);
  });
});

describe("HandleCompensation", () => {
  let business: Business;
  let h: Harness;
  before(async () => {
    business = await startBusiness();
    h = await startHarness({ routes: { orders: business.address } });
  });
  after(async () => {
    await h.close();
    await business.stop();
  });

  it("stores the handler's events without a sequence check and returns the BusinessResponse verbatim", async () => {
    const root = newRoot();
    await h.handle(command("orders", root, "AddMany", { payload: "2" }));
    const res = await h.compensate(command("orders", root, "Add", { sequence: 99, payload: "undo" }));
    expect(res.result!.$case).to.equal("events");
    const book = await h.book(query("orders", root));
    expect(book.pages.map(seqOf)).to.deep.equal([0, 1, 2]);
    expect(text(book.pages[2]!)).to.equal("undo");
  });

  it("does not turn revocations or business errors into coordinator errors", async () => {
    const res = await h.compensate(command("orders", newRoot(), "Revoke", { payload: "declined" }));
    expect(res.result!.$case).to.equal("revocation");
    const err = await rejectionOf<CallError>(h.compensate(command("orders", newRoot(), "Invalid", { payload: "x" })));
    expect([err.code, err.details]).to.deep.equal([Status.INVALID_ARGUMENT, "bad command: x"]);
  });

  it("validates cover and correlation id but not the edition", async () => {
    const missing = await rejectionOf<CallError>(h.compensate({ syncMode: 0, cascadeErrorMode: 0 }));
    expect(missing.details).to.equal("CommandRequest must have a command");
    const bad = await rejectionOf<CallError>(h.compensate(command("orders", newRoot(), "Add", { cover: { correlationId: "x y" } })));
    expect(bad.details).to.equal("correlation_id contains invalid characters (allowed: a-zA-Z0-9_-)");
    const res = await h.compensate(command("orders", newRoot(), "Add", { cover: { edition: { name: "Upper", divergences: [] } } }));
    expect(res.result!.$case).to.equal("events");
  });
});

describe("upcasting", () => {
  it("passes prior events through UpcasterService when enabled", async () => {
    const business = await startBusiness();
    const upcasts: number[] = [];
    const upcaster = await serve([
      [
        UpcasterServiceService,
        {
          upcast: (call: { request: { domain: string; events: never[] } }, cb: (e: null, r: unknown) => void) => {
            upcasts.push(call.request.events.length);
            cb(null, {
              events: call.request.events.map((p: { payload?: { value: { value: Buffer } } }) => ({
                ...(p as object),
                payload: { $case: "event", value: any("AddedV2", Buffer.from(p.payload!.value.value).toString()) },
              })),
            });
          },
        },
      ],
    ]);
    const h = await startHarness({ routes: { orders: business.address }, upcaster: { enabled: true, address: upcaster.address } });
    try {
      const root = newRoot();
      await h.handle(command("orders", root, "Add"));
      expect(upcasts).to.deep.equal([], "nothing to upcast for a new aggregate");
      await h.handle(command("orders", root, "Add", { sequence: 1 }));
      expect(upcasts).to.deep.equal([1]);
      expect(typeOf(business.calls.at(-1)!.events!.pages[0]!.payload!.value as never)).to.equal("AddedV2");
      // Queries are never upcast.
      expect(typeOf((await h.book(query("orders", root))).pages[0]!.payload!.value as never)).to.equal("Added");
      await upcaster.stop();
      const err = await rejectionOf<CallError>(h.handle(command("orders", root, "Add", { sequence: 2 })));
      expect(err.code).to.equal(Status.INTERNAL);
      expect(err.details).to.match(/^Upcaster failed: /);
    } finally {
      await h.close();
      await business.stop();
    }
  });
});
