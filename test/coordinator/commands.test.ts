/** HandleCommand against real grpc-js business processes, for both storage backends. */
import { createServer, type AddressInfo, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { uuidToProto } from "../../src/core/uuid.js";
import { MergeStrategy, NoOp, SyncMode, type EventPage } from "../../src/gen/angzarr/types.js";
import {
  any,
  BACKENDS,
  command,
  commandPage,
  counter,
  detailsBook,
  newRoot,
  query,
  seqOf,
  startBusiness,
  startHarness,
  Status,
  text,
  typeOf,
  type Business,
  type Harness,
  type CallError,
} from "./helpers.js";
import { rejectionOf } from "../support/assertions.js";

for (const storage of BACKENDS) {
  describe(`HandleCommand (${storage.type})`, () => {
    let business: Business;
    let h: Harness;
    before(async () => {
      business = await startBusiness();
      h = await startHarness({ storage, routes: { orders: business.address, other: business.address } });
    });
    after(async () => {
      await h.close();
      await business.stop();
    });

    it("stores the first command's events at 0 and answers with the delta", async () => {
      const root = newRoot();
      const res = await h.handle(command("orders", root, "Add", { payload: "one", cover: { correlationId: "corr-1" } }));
      expect(res.events!.pages.map(seqOf)).to.deep.equal([0]);
      expect(res.events!.nextSequence).to.equal(1);
      expect(res.events!.cover!.correlationId).to.equal("corr-1");
      expect(res.projections).to.deep.equal([]);
      expect(res.cascadeErrors).to.deep.equal([]);
      const book = await h.book(query("orders", root));
      expect(book.pages.map(text)).to.deep.equal(["one"]);
      expect(book.cover!.edition!.name).to.equal("angzarr");
      expect(book.cover!.correlationId).to.equal("");
    });

    it("accepts a command at the current sequence and gives the handler the prior events", async () => {
      const root = newRoot();
      await h.handle(command("orders", root, "AddMany", { payload: "3" }));
      const res = await h.handle(command("orders", root, "Add", { sequence: 3, payload: "four" }));
      expect(res.events!.pages.map(seqOf)).to.deep.equal([3]);
      const seen = business.calls.at(-1)!.events!;
      expect(seen.pages.map(seqOf)).to.deep.equal([0, 1, 2]);
      expect(seen.nextSequence).to.equal(3);
      expect(seen.cover!.edition!.name).to.equal("angzarr");
      expect((await h.book(query("orders", root))).pages.map(seqOf)).to.deep.equal([0, 1, 2, 3]);
    });

    for (const merge of [MergeStrategy.MERGE_COMMUTATIVE, MergeStrategy.MERGE_STRICT, MergeStrategy.MERGE_MANUAL]) {
      it(`rejects a stale sequence (${MergeStrategy[merge]}) with the current book in the details trailer`, async () => {
        const root = newRoot();
        await h.handle(command("orders", root, "AddMany", { payload: "2", cover: { correlationId: "c" } }));
        const calls = business.calls.length;
        const err = await rejectionOf<CallError>(h.handle(command("orders", root, "Add", { sequence: 1, merge })));
        expect(err.code).to.equal(Status.FAILED_PRECONDITION);
        expect(err.details).to.equal("Sequence mismatch: command expects 1, aggregate at 2");
        const current = detailsBook(err)!;
        expect(current.nextSequence).to.equal(2);
        expect(current.pages.map(seqOf)).to.deep.equal([0, 1]);
        expect(current.cover!.domain).to.equal("orders");
        expect(current.cover!.correlationId).to.equal("");
        expect(current.cover!.edition!.name).to.equal("angzarr");
        expect(business.calls.length).to.equal(calls, "the business is never called");
        expect((await h.book(query("orders", root))).pages).to.have.length(2);
      });
    }

    it("rejects a first command that is not at 0", async () => {
      const err = await rejectionOf<CallError>(h.handle(command("orders", newRoot(), "Add", { sequence: 5 })));
      expect(err.code).to.equal(Status.FAILED_PRECONDITION);
      expect(err.details).to.equal("Sequence mismatch: command expects 5, aggregate at 0");
      expect(detailsBook(err)!.pages).to.deep.equal([]);
    });

    it("skips the sequence check for MERGE_AGGREGATE_HANDLES", async () => {
      const root = newRoot();
      await h.handle(command("orders", root, "AddMany", { payload: "2" }));
      const res = await h.handle(command("orders", root, "Add", { sequence: 0, merge: MergeStrategy.MERGE_AGGREGATE_HANDLES }));
      expect(res.events!.pages.map(seqOf)).to.deep.equal([2]);
    });

    it("passes business statuses through unchanged and does not retry rejections by default", async () => {
      const root = newRoot();
      const before = business.calls.length;
      const rejected = await rejectionOf<CallError>(h.handle(command("orders", root, "Reject", { payload: "no stock" })));
      expect([rejected.code, rejected.details]).to.deep.equal([Status.FAILED_PRECONDITION, "rejected: no stock"]);
      expect(business.calls.length - before).to.equal(1);
      const invalid = await rejectionOf<CallError>(h.handle(command("orders", root, "Invalid", { payload: "x" })));
      expect([invalid.code, invalid.details]).to.deep.equal([Status.INVALID_ARGUMENT, "bad command: x"]);
      expect((await h.book(query("orders", root))).pages).to.deep.equal([]);
    });

    it("turns a revocation into FAILED_PRECONDITION `Command revoked: <reason>`", async () => {
      const err = await rejectionOf<CallError>(h.handle(command("orders", newRoot(), "Revoke", { payload: "too late" })));
      expect([err.code, err.details]).to.deep.equal([Status.FAILED_PRECONDITION, "Command revoked: too late"]);
    });

    it("stores nothing for a notification or an empty answer", async () => {
      const root = newRoot();
      for (const type of ["Notify", "Nothing"]) {
        const res = await h.handle(command("orders", root, type));
        expect(res.events!.pages).to.deep.equal([]);
        expect(res.events!.nextSequence).to.equal(0);
        expect(res.events!.cover).to.equal(undefined);
      }
      expect((await h.book(query("orders", root))).pages).to.deep.equal([]);
    });

    it("stores several events atomically, and nothing when two share a sequence", async () => {
      const root = newRoot();
      const res = await h.handle(command("orders", root, "AddMany", { payload: "3" }));
      expect(res.events!.pages.map(seqOf)).to.deep.equal([0, 1, 2]);
      const dup = await rejectionOf<CallError>(h.handle(command("orders", root, "Dup", { sequence: 3 })));
      expect(dup.code).to.equal(Status.INTERNAL);
      expect(dup.details).to.match(/^Failed to persist events: /);
      expect((await h.book(query("orders", root))).pages.map(seqOf)).to.deep.equal([0, 1, 2]);
    });

    it("refuses handler events below the stored head with `Sequence conflict`", async () => {
      const root = newRoot();
      await h.handle(command("orders", root, "AddMany", { payload: "2" }));
      // Whole history echoed: old pages are not new, only the last one is stored.
      const whole = await h.handle(command("orders", root, "Whole", { sequence: 2 }));
      expect(whole.events!.pages.map(seqOf)).to.deep.equal([2]);
      // A handler that restarts at 0 on a non-empty aggregate: not new, nothing stored, echoed.
      const stale = await h.handle(command("orders", root, "Stale", { sequence: 3 }));
      expect(stale.events!.pages.map(seqOf)).to.deep.equal([0]);
      expect((await h.book(query("orders", root))).pages.map(seqOf)).to.deep.equal([0, 1, 2]);
    });

    it("keeps the handler's correlation id and fills an empty one from the command", async () => {
      const root = newRoot();
      const res = await h.handle(command("orders", root, "Add", { cover: { correlationId: "order-42" } }));
      expect(res.events!.cover!.correlationId).to.equal("order-42");
      const correlated = await h.book({ cover: { domain: "", correlationId: "order-42" } });
      expect(correlated.cover!.root!.value).to.deep.equal(uuidToProto(root).value);
    });

    it("forwards unknown sync modes as ASYNC", async () => {
      const res = await h.handle(command("orders", newRoot(), "Add", { request: { syncMode: 4 as SyncMode } }));
      expect(res.events!.pages).to.have.length(1);
      expect(res.projections).to.deep.equal([]);
    });

    it("renumbers deferred (saga) commands without checking their sequence", async () => {
      const root = newRoot();
      await h.handle(command("orders", root, "AddMany", { payload: "2" }));
      const header = { sequenceType: { $case: "angzarrDeferred" as const, value: { source: undefined, sourceSeq: 9 } } };
      await h.handle(command("orders", root, "Add", { header }));
      const seen = business.calls.at(-1)!.command!.pages[0]!;
      expect(seqOf(seen)).to.equal(2);
      const external = { sequenceType: { $case: "externalDeferred" as const, value: { externalId: "x", description: "" } } };
      await h.handle(command("orders", root, "Add", { header: external }));
      await h.handle(command("orders", root, "Add", { header: external }));
      expect((await h.book(query("orders", root))).pages.map(seqOf)).to.deep.equal([0, 1, 2, 3, 4]);
    });

    it("serialises concurrent commands: one wins, the other fails with the current state", async () => {
      const root = newRoot();
      const results = await Promise.allSettled([
        h.handle(command("orders", root, "Add", { payload: "a" })),
        h.handle(command("orders", root, "Add", { payload: "b" })),
      ]);
      expect(results.filter((r) => r.status === "fulfilled")).to.have.length(1);
      const lost = (results.find((r) => r.status === "rejected") as PromiseRejectedResult).reason as CallError;
      expect(lost.details).to.equal("Sequence mismatch: command expects 0, aggregate at 1");
      expect(detailsBook(lost)!.nextSequence).to.equal(1);
    });

    it("writes snapshots from handler answers and loads snapshot + later events", async () => {
      const root = newRoot();
      await h.handle(command("orders", root, "AddMany", { payload: "2" }));
      await h.handle(command("orders", root, "Snap", { sequence: 2 }));
      await h.handle(command("orders", root, "Add", { sequence: 3 }));
      const snap = await h.handle(command("orders", root, "Snap", { sequence: 4 }));
      expect(snap.events!.snapshot!.state).to.not.equal(undefined);
      const seen = business.calls.at(-1)!.events!;
      expect(seen.snapshot!.sequence).to.equal(2);
      expect(Buffer.from(seen.snapshot!.state!.value).toString()).to.equal("3");
      expect(seen.pages.map(seqOf)).to.deep.equal([3]);
      expect(seen.nextSequence).to.equal(4);
      await h.handle(command("orders", root, "Add", { sequence: 5 }));
      expect(business.calls.at(-1)!.events!.snapshot!.sequence).to.equal(4);
      expect(business.calls.at(-1)!.events!.pages.map(seqOf)).to.deep.equal([]);
      const stored = await h.coordinator.store.latestSnapshot({ domain: "orders", edition: "angzarr", root });
      expect(stored!.sequence).to.equal(4);
      expect(stored!.retention).to.equal(0);
      // Queries never return snapshots and always return full history.
      const book = await h.book(query("orders", root));
      expect(book.snapshot).to.equal(undefined);
      expect(book.pages.map(seqOf)).to.deep.equal([0, 1, 2, 3, 4, 5]);
      // A snapshot covering everything: the mismatch details hold the snapshot and next_sequence.
      const err = await rejectionOf<CallError>(h.handle(command("orders", root, "Add", { sequence: 1 })));
      expect(detailsBook(err)!.snapshot!.sequence).to.equal(4);
      expect(detailsBook(err)!.nextSequence).to.equal(6);
    });

    it("keeps the mismatch details trailer small for big aggregates", async () => {
      const root = newRoot();
      for (let i = 0; i < 3; i++) await h.handle(command("orders", root, "Big", { sequence: i, payload: "10000" }));
      const err = await rejectionOf<CallError>(h.handle(command("orders", root, "Add", { sequence: 0 })));
      expect(err.code).to.equal(Status.FAILED_PRECONDITION);
      const details = detailsBook(err)!;
      expect(details.pages).to.deep.equal([]);
      expect(details.nextSequence).to.equal(3);
      expect(details.cover!.domain).to.equal("orders");
    });

    it("stores 2PC events as uncommitted and hides them from later commands as NoOp", async () => {
      const root = newRoot();
      const res = await h.handle(command("orders", root, "Add", { payload: "tentative", request: { cascadeId: "cascade-1" } }));
      expect(res.events!.pages[0]!.noCommit).to.equal(true);
      expect(res.events!.pages[0]!.cascadeId).to.equal("cascade-1");
      const raw = await h.book(query("orders", root));
      expect([raw.pages[0]!.noCommit, raw.pages[0]!.cascadeId, text(raw.pages[0]!)]).to.deep.equal([true, "cascade-1", "tentative"]);
      // Same cascade: visible. Another command: a NoOp with the same header.
      await h.handle(command("orders", root, "Add", { sequence: 1, request: { cascadeId: "cascade-1" } }));
      expect(typeOf(business.calls.at(-1)!.events!.pages[0]!.payload!.value as never)).to.equal("Added");
      await h.handle(command("orders", root, "Add", { sequence: 2 }));
      const hidden = business.calls.at(-1)!.events!.pages;
      const noop = hidden[0]!.payload!.value as { typeUrl: string; value: Buffer };
      expect(noop.typeUrl).to.equal("type.angzarr.io/angzarr.NoOp");
      expect(NoOp.decode(noop.value)).to.include({ originalSequence: 0, reason: "uncommitted", cascadeId: "cascade-1" });
      expect(hidden.map(seqOf)).to.deep.equal([0, 1]);
      expect(business.calls.at(-1)!.events!.nextSequence).to.equal(2);
    });
  });
}

describe("HandleCommand validation", () => {
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

  const root = "0f0e0d0c-0b0a-4908-8706-050403020100";
  const cases: Array<[string, () => Parameters<Harness["handle"]>[0], string]> = [
    ["missing command", () => ({ syncMode: 0, cascadeErrorMode: 0 }), "CommandRequest must have a command"],
    ["missing cover", () => ({ command: { pages: [] }, syncMode: 0, cascadeErrorMode: 0 }), "CommandBook must have a cover"],
    ["empty domain", () => command("", root, "Add"), "domain name cannot be empty"],
    ["long domain", () => command("a".repeat(65), root, "Add"), "domain name exceeds maximum length (max: 64, got: 65)"],
    ["uppercase domain", () => command("Orders", root, "Add"), "domain name must start with lowercase letter"],
    ["dotted domain", () => command("orders.v2", root, "Add"), "domain name contains invalid characters (allowed: a-z, 0-9, _, -)"],
    [
      "missing root",
      () => ({ command: { cover: { domain: "orders", correlationId: "" }, pages: [] }, syncMode: 0, cascadeErrorMode: 0 }),
      "Cover must have a root UUID",
    ],
    [
      "15-byte root",
      () => ({
        command: { cover: { domain: "orders", correlationId: "", root: { value: Buffer.alloc(15) } }, pages: [] },
        syncMode: 0,
        cascadeErrorMode: 0,
      }),
      "Invalid UUID: invalid length: expected 16 bytes, found 15",
    ],
    [
      "bad edition",
      () => command("orders", root, "Add", { cover: { edition: { name: "Branch", divergences: [] } } }),
      "edition name must start with lowercase letter",
    ],
    [
      "long edition",
      () => command("orders", root, "Add", { cover: { edition: { name: "b".repeat(65), divergences: [] } } }),
      "edition name exceeds maximum length (max: 64, got: 65)",
    ],
    [
      "bad edition characters",
      () => command("orders", root, "Add", { cover: { edition: { name: "b.x", divergences: [] } } }),
      "edition name contains invalid characters (allowed: a-z, 0-9, _, -)",
    ],
    [
      "correlation with a dot",
      () => command("orders", root, "Add", { cover: { correlationId: "a.b" } }),
      "correlation_id contains invalid characters (allowed: a-zA-Z0-9_-)",
    ],
    [
      "long correlation",
      () => command("orders", root, "Add", { cover: { correlationId: "c".repeat(129) } }),
      "correlation_id exceeds maximum length (max: 128, got: 129)",
    ],
    [
      "101 pages",
      () => {
        const req = command("orders", root, "Add");
        req.command!.pages = Array.from({ length: 101 }, () => commandPage("Add"));
        return req;
      },
      "command book exceeds maximum pages (max: 100, got: 101)",
    ],
    [
      "oversized payload",
      () => {
        const req = command("orders", root, "Add");
        req.command!.pages.push(commandPage("Add", "x".repeat(262_145)));
        return req;
      },
      "page payload exceeds maximum size at page 1 (max: 262144 bytes, got: 262145 bytes)",
    ],
  ];
  for (const [name, build, message] of cases) {
    it(`${name} → INVALID_ARGUMENT`, async () => {
      const calls = business.calls.length;
      const err = await rejectionOf<CallError>(h.handle(build()));
      expect([Status[err.code], err.details]).to.deep.equal(["INVALID_ARGUMENT", message]);
      expect(business.calls.length).to.equal(calls);
    });
  }

  it("accepts exactly 100 pages and a 256 KiB payload", async () => {
    const req = command("orders", newRoot(), "Add");
    req.command!.pages = [commandPage("Add", "x".repeat(262_144)), ...Array.from({ length: 99 }, () => commandPage("Add"))];
    expect((await h.handle(req)).events!.pages).to.have.length(1);
  });

  it("answers NOT_FOUND for a domain without a route", async () => {
    const err = await rejectionOf<CallError>(h.handle(command("inventory", root, "Add")));
    expect([err.code, err.details]).to.deep.equal([Status.NOT_FOUND, "No aggregate registered for domain: inventory"]);
  });

  it("forwards an empty command book to the business (no sequence check beyond 0)", async () => {
    const req = command("orders", newRoot(), "Add");
    req.command!.pages = [];
    const err = await rejectionOf<CallError>(h.handle(req));
    expect([err.code, err.details]).to.deep.equal([Status.INVALID_ARGUMENT, "unknown command "]);
    expect(business.calls.at(-1)!.command!.pages).to.deep.equal([]);
  });
});

describe("HandleCommand routing, retries and failures", () => {
  it("in sidecar mode sends every well-formed command to the target, whatever its domain", async () => {
    const business = await startBusiness();
    const h = await startHarness({ target: { domain: "orders", address: business.address } });
    try {
      const root = newRoot();
      const res = await h.handle(command("anything-else", root, "Add"));
      expect(res.events!.pages).to.have.length(1);
      expect((await h.book(query("anything-else", root))).pages).to.have.length(1);
    } finally {
      await h.close();
      await business.stop();
    }
  });

  it("retries business rejections when configured to (reference behaviour)", async () => {
    const business = await startBusiness();
    const h = await startHarness({
      routes: { orders: business.address },
      retry: { retryBusinessRejections: true, maxAttempts: 4, initialDelayMs: 1, maxDelayMs: 2 },
    });
    try {
      const err = await rejectionOf<CallError>(h.handle(command("orders", newRoot(), "Reject", { payload: "x" })));
      expect(err.details).to.equal("rejected: x");
      expect(business.calls).to.have.length(4);
      const revoked = await rejectionOf<CallError>(h.handle(command("orders", newRoot(), "Revoke", { payload: "r" })));
      expect(revoked.details).to.equal("Command revoked: r");
      expect(business.calls).to.have.length(8);
      const invalid = await rejectionOf<CallError>(h.handle(command("orders", newRoot(), "Invalid")));
      expect(invalid.code).to.equal(Status.INVALID_ARGUMENT);
      expect(business.calls).to.have.length(9);
    } finally {
      await h.close();
      await business.stop();
    }
  });

  it("retries sequence races: a concurrent writer is absorbed when the command is deferred", async () => {
    // Two deferred commands at once both succeed: the lock serialises them, renumbering avoids conflicts.
    const business = await startBusiness();
    const h = await startHarness({ routes: { orders: business.address } });
    try {
      const root = newRoot();
      const header = { sequenceType: { $case: "angzarrDeferred" as const, value: { source: undefined, sourceSeq: 0 } } };
      const all = await Promise.all(Array.from({ length: 5 }, () => h.handle(command("orders", root, "Add", { header }))));
      expect(all.map((r) => seqOf(r.events!.pages[0]!)).sort()).to.deep.equal([0, 1, 2, 3, 4]);
    } finally {
      await h.close();
      await business.stop();
    }
  });

  it("answers UNAVAILABLE at once when the business process is down", async () => {
    const business = await startBusiness();
    const h = await startHarness({ routes: { orders: business.address } });
    try {
      await h.handle(command("orders", newRoot(), "Add"));
      await business.stop();
      const started = Date.now();
      const err = await rejectionOf<CallError>(h.handle(command("orders", newRoot(), "Add")));
      expect(err.code).to.equal(Status.UNAVAILABLE);
      expect(Date.now() - started).to.be.below(3000);
    } finally {
      await h.close();
    }
  });

  it("answers UNAVAILABLE for a business address nobody listens on", async () => {
    const h = await startHarness({ routes: { orders: "127.0.0.1:1" } });
    try {
      const err = await rejectionOf<CallError>(h.handle(command("orders", newRoot(), "Add")));
      expect(err.code).to.equal(Status.UNAVAILABLE);
    } finally {
      await h.close();
    }
  });

  it("bounds the wait for a business connection that never completes", async () => {
    // Accepts TCP connections but never speaks HTTP/2: the channel stays CONNECTING.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const port = (silent.address() as AddressInfo).port;
    const h = await startHarness({ routes: { orders: `127.0.0.1:${port}` }, connectTimeoutMs: 200 });
    try {
      const err = await rejectionOf<CallError>(h.handle(command("orders", newRoot(), "Add")));
      expect([err.code, err.details]).to.deep.equal([Status.UNAVAILABLE, `Cannot connect to 127.0.0.1:${port}: no connection within 200 ms`]);
    } finally {
      await h.close();
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it("answers INTERNAL with the storage text when the store fails", async () => {
    const business = await startBusiness();
    const h = await startHarness({ routes: { orders: business.address } });
    try {
      await h.coordinator.store.close();
      const cmd = await rejectionOf<CallError>(h.handle(command("orders", newRoot(), "Add")));
      expect([cmd.code, cmd.details]).to.deep.equal([Status.INTERNAL, "Failed to get sequence: Memory event store is closed"]);
      const q = await rejectionOf<CallError>(h.book(query("orders", newRoot())));
      expect([q.code, q.details]).to.deep.equal([Status.INTERNAL, "Memory event store is closed"]);
    } finally {
      await h.close();
      await business.stop();
    }
  });

  it("puts a deadline on business calls", async () => {
    const business = await startBusiness({ handle: () => new Promise(() => {}) });
    const h = await startHarness({ routes: { orders: business.address }, callTimeoutMs: 200 });
    try {
      const err = await rejectionOf<CallError>(h.handle(command("orders", newRoot(), "Add")));
      expect(err.code).to.equal(Status.DEADLINE_EXCEEDED);
    } finally {
      await h.close();
      await business.stop();
    }
  });
});

describe("HandleCommand with explicit edition divergences", () => {
  let business: Business;
  let h: Harness;
  let replayStates: string[];
  before(async () => {
    replayStates = [];
    const base = counter();
    business = await startBusiness({
      handle: base.handle,
      // State = number of "Added" events, so every new event changes it.
      replay: (req) => {
        const state = String(req.events.filter((p: EventPage) => typeOf(p.payload?.value as never) === "Added").length);
        replayStates.push(state);
        return { state: any("State", state) };
      },
    });
    h = await startHarness({ routes: { orders: business.address } });
  });
  after(async () => {
    await h.close();
    await business.stop();
  });

  const divergent = (root: string, sequence: number, merge: MergeStrategy, at: number) =>
    command("orders", root, "Add", {
      sequence,
      merge,
      cover: { edition: { name: "what-if", divergences: [{ domain: "orders", sequence: at }] } },
    });

  it("skips pre-validation and reads main events below the divergence point", async () => {
    const root = newRoot();
    await h.handle(command("orders", root, "AddMany", { payload: "3" }));
    const res = await h.handle(divergent(root, 2, MergeStrategy.MERGE_STRICT, 2));
    expect(res.events!.pages.map(seqOf)).to.deep.equal([2]);
    expect(business.calls.at(-1)!.events!.pages.map(seqOf)).to.deep.equal([0, 1]);
    const branch = await h.book(query("orders", root, {}, { edition: { name: "what-if", divergences: [] } }));
    expect(branch.pages.map(seqOf)).to.deep.equal([0, 1, 2]);
    expect(branch.cover!.edition!.name).to.equal("what-if");
  });

  it("STRICT → FAILED_PRECONDITION, MANUAL → ABORTED, COMMUTATIVE → Replay overlap check", async () => {
    const root = newRoot();
    await h.handle(command("orders", root, "AddMany", { payload: "3" }));
    const strict = await rejectionOf<CallError>(h.handle(divergent(root, 0, MergeStrategy.MERGE_STRICT, 2)));
    expect([strict.code, strict.details]).to.deep.equal([Status.FAILED_PRECONDITION, "Sequence mismatch: command expects 0, aggregate at 2"]);
    expect(detailsBook(strict)).to.equal(undefined);
    const manual = await rejectionOf<CallError>(h.handle(divergent(root, 0, MergeStrategy.MERGE_MANUAL, 2)));
    expect([manual.code, manual.details]).to.deep.equal([
      Status.ABORTED,
      "Sequence mismatch: command expects 0, aggregate at 2. Sent to DLQ for manual review.",
    ]);
    const commutative = await rejectionOf<CallError>(h.handle(divergent(root, 0, MergeStrategy.MERGE_COMMUTATIVE, 2)));
    expect(commutative.details).to.equal("Sequence mismatch with overlapping fields: command expects 0, aggregate at 2");
    expect(replayStates.slice(-3)).to.deep.equal(["0", "2", "3"]);
  });
});
