/** Sync modes: projectors and sagas called by the coordinator (SIMPLE, CASCADE, ASYNC). */
import { after, before, beforeEach, describe, it } from "node:test";
import { expect } from "chai";
import { bytesToUuid } from "../../src/core/uuid.js";
import { CascadeErrorMode, SyncMode, type CommandBook, type EventBook } from "../../src/gen/angzarr/types.js";
import type { SagaHandleRequest, SagaResponse } from "../../src/gen/angzarr/saga.js";
import {
  command,
  commandPage,
  counter,
  cover,
  type CallError,
  facts,
  newRoot,
  query,
  Reject,
  seqOf,
  startBusiness,
  startHarness,
  startProjector,
  startSaga,
  Status,
  text,
  type Business,
  type Harness,
} from "./helpers.js";
import { eventually, rejectionOf } from "../support/assertions.js";

const SIMPLE = { syncMode: SyncMode.SYNC_MODE_SIMPLE };
const CASCADE = { syncMode: SyncMode.SYNC_MODE_CASCADE };
const CONTINUE = { syncMode: SyncMode.SYNC_MODE_CASCADE, cascadeErrorMode: CascadeErrorMode.CASCADE_ERROR_CONTINUE };

describe("sync modes", () => {
  let business: Business;
  let projector: Awaited<ReturnType<typeof startProjector>>;
  let saga: Awaited<ReturnType<typeof startSaga>>;
  let h: Harness;
  /** What the saga answers; reset before each test. */
  let react: (req: SagaHandleRequest) => SagaResponse;
  const inventoryRoot = newRoot();

  /** A saga command for inventory: one `Add` page (sequence stamped by the coordinator). */
  const reserve = (payload: string, root = inventoryRoot, type = "Add"): CommandBook => ({
    cover: cover("inventory", root),
    pages: [commandPage(type, payload, 0)],
  });

  before(async () => {
    const base = counter();
    business = await startBusiness({ handle: base.handle, handleFact: (req) => req.facts! });
    projector = await startProjector("ledger");
    saga = await startSaga((req) => react(req));
    h = await startHarness({
      routes: { orders: business.address, inventory: business.address },
      projectors: [{ name: "ledger", address: projector.address, domains: ["orders", "inventory"] }],
      sagas: [{ name: "fulfil", address: saga.address, sourceDomain: "orders" }],
    });
  });
  beforeEach(() => {
    react = () => ({ commands: [], events: [] });
  });
  after(async () => {
    await h.close();
    await Promise.all([business.stop(), projector.stop(), saga.stop()]);
  });

  it("SIMPLE runs projectors before answering and returns their projections; sagas run afterwards", async () => {
    const root = newRoot();
    react = (req) => ({ commands: [reserve(text(req.source!.pages[0]!))], events: [] });
    const sagaCalls = saga.requests.length;
    const res = await h.handle(command("orders", root, "AddMany", { payload: "2", request: SIMPLE }));
    expect(res.projections).to.have.length(1);
    expect(res.projections[0]!).to.include({ projector: "ledger", sequence: 1 });
    expect(bytesToUuid(res.projections[0]!.cover!.root!.value)).to.equal(root);
    await eventually(() => saga.requests.length === sagaCalls + 1);
    await eventually(async () => (await h.book(query("inventory", inventoryRoot))).pages.some((p) => text(p) === "e0"));
  });

  it("ASYNC answers first and delivers to projectors in order per aggregate", async () => {
    const root = newRoot();
    const before = projector.books.length;
    for (let i = 0; i < 5; i++) {
      const res = await h.handle(command("orders", root, "Add", { sequence: i, payload: `p${i}` }));
      expect(res.projections).to.deep.equal([]);
    }
    await eventually(() => projector.books.filter((b) => b.cover?.root && bytesToUuid(b.cover.root.value) === root).length === 5);
    const mine = projector.books.slice(before).filter((b) => b.cover?.root && bytesToUuid(b.cover.root.value) === root);
    expect(mine.map((b: EventBook) => seqOf(b.pages[0]!))).to.deep.equal([0, 1, 2, 3, 4]);
  });

  it("CASCADE runs the saga, executes its commands through the pipeline and returns all projections", async () => {
    const root = newRoot();
    const inv = newRoot();
    // Inventory already has history in this flow: the saga is told its next sequence.
    await h.handle(command("inventory", inv, "AddMany", { payload: "2", cover: { correlationId: "flow-7" } }));
    react = () => ({ commands: [reserve("reserved", inv)], events: [] });
    const res = await h.handle(command("orders", root, "Add", { payload: "order", cover: { correlationId: "flow-7" }, request: CASCADE }));
    const request = saga.requests.at(-1)!;
    // Every aggregate of the flow with one root per domain, the source included.
    expect(request.destinationSequences).to.deep.equal({ inventory: 2, orders: 1 });
    expect(request.syncMode).to.equal(SyncMode.SYNC_MODE_CASCADE);
    expect(text(request.source!.pages[0]!)).to.equal("order");
    // The saga's command was renumbered (deferred) and stored before the answer.
    const stock = await h.book(query("inventory", inv));
    expect(stock.pages.map(seqOf)).to.deep.equal([0, 1, 2]);
    expect(text(stock.pages[2]!)).to.equal("reserved");
    const seen = business.calls.at(-1)!.command!;
    expect(seen.cover!.correlationId).to.equal("flow-7");
    expect(seqOf(seen.pages[0]!)).to.equal(2);
    // Projections of the source and of the cascaded command.
    expect(res.projections.map((p) => p.cover!.domain)).to.deep.equal(["orders", "inventory"]);
    expect(res.cascadeErrors).to.deep.equal([]);
  });

  it("CASCADE injects saga facts", async () => {
    const inv = newRoot();
    react = () => ({ commands: [], events: [facts("inventory", inv, ["restocked"], { externalId: "restock-1" }).events!] });
    await h.handle(command("orders", newRoot(), "Add", { request: CASCADE }));
    const stock = await h.book(query("inventory", inv));
    expect(stock.pages.map(text)).to.deep.equal(["restocked"]);
    expect(business.factCalls.at(-1)!.facts!.cover!.domain).to.equal("inventory");
  });

  it("FAIL_FAST: the first saga failure fails the call (source events stay stored)", async () => {
    const root = newRoot();
    react = () => ({ commands: [reserve("nope", newRoot(), "Reject")], events: [] });
    const err = await rejectionOf<CallError>(h.handle(command("orders", root, "Add", { request: CASCADE })));
    expect(err.code).to.equal(Status.INTERNAL);
    expect(err.details).to.equal("Saga fulfil failed: command for inventory failed: FAILED_PRECONDITION: rejected: nope");
    expect((await h.book(query("orders", root))).pages).to.have.length(1);
  });

  it("CONTINUE: failures are collected into cascade_errors", async () => {
    const ok = newRoot();
    react = () => ({ commands: [reserve("nope", newRoot(), "Reject"), reserve("fine", ok)], events: [] });
    const res = await h.handle(command("orders", newRoot(), "Add", { request: CONTINUE }));
    expect(res.cascadeErrors).to.deep.equal([
      {
        $type: "angzarr.CascadeError",
        componentName: "fulfil",
        componentType: "saga",
        errorMessage: "Saga fulfil failed: command for inventory failed: FAILED_PRECONDITION: rejected: nope",
        sourceDomain: "orders",
      },
    ]);
    expect((await h.book(query("inventory", ok))).pages.map(text)).to.deep.equal(["fine"]);
  });

  it("stops cascades after 8 saga hops", async () => {
    const root = newRoot();
    // The saga answers every orders event with another orders command: an endless loop.
    react = () => ({ commands: [{ cover: cover("orders", root), pages: [commandPage("Add", "again", 0)] }], events: [] });
    const res = await h.handle(command("orders", root, "Add", { request: CONTINUE }));
    expect((await h.book(query("orders", root))).pages).to.have.length(9);
    expect(res.cascadeErrors).to.have.length(1);
    expect(res.cascadeErrors[0]!.errorMessage).to.equal("Saga fulfil failed: cascade depth limit of 8 exceeded");
  });

  it("a saga that cannot be reached → UNAVAILABLE `Cannot connect to saga …`", async () => {
    const h2 = await startHarness({
      routes: { orders: business.address },
      sagas: [{ name: "ghost", address: "127.0.0.1:1", sourceDomain: "orders" }],
    });
    try {
      const err = await rejectionOf<CallError>(h2.handle(command("orders", newRoot(), "Add", { request: CASCADE })));
      expect(err.code).to.equal(Status.UNAVAILABLE);
      expect(err.details).to.match(/^Cannot connect to saga ghost: /);
    } finally {
      await h2.close();
    }
  });

  it("facts in SIMPLE mode return projections", async () => {
    const res = await h.fact(facts("orders", newRoot(), ["f"], { syncMode: SyncMode.SYNC_MODE_SIMPLE }));
    expect(res.projections.map((p) => p.projector)).to.deep.equal(["ledger"]);
  });
});

describe("sync projector failures", () => {
  it("skips NOT_FOUND answers and fails on other projector errors (or collects them with CONTINUE)", async () => {
    const business = await startBusiness();
    const absent = await startProjector("absent", () => {
      throw new Reject(Status.NOT_FOUND, "not mine");
    });
    const broken = await startProjector("broken", () => {
      throw new Reject(Status.INTERNAL, "disk full");
    });
    const h = await startHarness({
      routes: { orders: business.address },
      projectors: [
        { name: "absent", address: absent.address, domains: ["orders"] },
        { name: "broken", address: broken.address, domains: ["orders"] },
      ],
    });
    try {
      const err = await rejectionOf<CallError>(h.handle(command("orders", newRoot(), "Add", { request: SIMPLE })));
      expect([err.code, err.details]).to.deep.equal([Status.INTERNAL, "Projector sync failed: broken: disk full"]);
      const res = await h.handle(command("orders", newRoot(), "Add", { request: CONTINUE }));
      expect(res.projections).to.deep.equal([]);
      expect(res.cascadeErrors.map((e) => [e.componentName, e.componentType])).to.deep.equal([["broken", "projector"]]);
    } finally {
      await h.close();
      await Promise.all([business.stop(), absent.stop(), broken.stop()]);
    }
  });
});
