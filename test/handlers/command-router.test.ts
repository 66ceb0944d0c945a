import { describe, it } from "node:test";
import { expect } from "chai";
import { InventoryState, ReserveStock, StockReserved } from "../../examples/gen/examples/inventory.js";
import { CreateOrder, ItemAdded, OrderCreated } from "../../examples/gen/examples/orders.js";
import { packAny, typeNameFromUrl, unpackAny } from "../../src/core/any.js";
import { headerSequence, makeCover, pageEvent } from "../../src/core/books.js";
import { Status } from "../../src/errors.js";
import type { BusinessResponse } from "../../src/gen/angzarr/command_handler.js";
import { Notification, RejectionNotification, type EventBook } from "../../src/gen/angzarr/types.js";
import { CommandRouter, DefinitionError, StateRouter, delegateToFramework, event, eventBook, commandBook } from "../../src/handlers/index.js";
import { statusFromError } from "../../src/handlers/status.js";
import { contextualCommand, snapshotOf, uuidFor } from "../../src/testing/builders.js";

const cover = makeCover({ domain: "inventory", root: uuidFor("sku-1"), correlationId: "corr" });
const reserved = (quantity: number) => event(StockReserved, { orderId: "o", sku: "sku-1", quantity });

function eventsOf(response: BusinessResponse): EventBook {
  expect(response.result?.$case).to.equal("events");
  return (response.result as { value: EventBook }).value;
}

function stateRouter() {
  return new StateRouter(() => InventoryState.create())
    .on(StockReserved, (s, e) => {
      s.reserved += e.quantity;
    })
    .withSnapshot(InventoryState);
}

describe("StateRouter", () => {
  it("folds events in order, skipping unknown types", () => {
    const book = eventBook(cover, [reserved(2), event(OrderCreated, { customerId: "" }), reserved(3)]);
    expect(stateRouter().rebuild(book).reserved).to.equal(5);
  });

  it("starts from the snapshot and skips pages at or before it", () => {
    const snapshot = snapshotOf(InventoryState, { reserved: 100 }, 5);
    const book = eventBook(cover, [reserved(1000), reserved(1)], { startSequence: 5, snapshot });
    expect(stateRouter().rebuild(book).reserved).to.equal(101);
  });

  it("accepts appliers that return a new state instead of mutating", () => {
    const immutable = new StateRouter(() => ({ total: 0 })).on(StockReserved, (s, e) => ({ total: s.total + e.quantity }));
    const first = immutable.createEmpty();
    const next = immutable.applySingle(first, reserved(4));
    expect(next).to.deep.equal({ total: 4 });
    expect(first).to.deep.equal({ total: 0 });
    expect(immutable.applySingle(next, packAny(StockReserved, { orderId: "", sku: "", quantity: 1 }))).to.deep.equal({ total: 5 });
  });

  it("does not mutate the book it reads", () => {
    const book = eventBook(cover, [reserved(1)]);
    const before = JSON.stringify(book);
    stateRouter().rebuild(book);
    expect(JSON.stringify(book)).to.equal(before);
  });

  it("refuses two appliers for one event type", () => {
    expect(() => stateRouter().on(StockReserved, () => undefined)).to.throw(
      DefinitionError,
      /duplicate state applier for examples.inventory.StockReserved/,
    );
  });
});

describe("CommandRouter", () => {
  const router = () =>
    new CommandRouter("inventory", stateRouter(), { snapshotEvery: 2 }).on(ReserveStock, (cmd, state, ctx) => {
      expect(ctx.root).to.equal(uuidFor("sku-1"));
      return event(StockReserved, { orderId: cmd.orderId, sku: cmd.sku, quantity: cmd.quantity + state.reserved });
    });

  it("dispatches by type with rebuilt state and numbers events after the prior ones", async () => {
    const prior = eventBook(cover, [reserved(2)]);
    const book = eventsOf(
      await router().handle(
        contextualCommand(prior, commandBook(cover, event(ReserveStock, { orderId: "o", sku: "sku-1", quantity: 1 }), { sequence: 1 })),
      ),
    );
    expect(headerSequence(book.pages[0]!.header)).to.equal(1);
    expect(unpackAny(StockReserved, pageEvent(book.pages[0]!))?.quantity).to.equal(3);
    expect(book.cover?.correlationId).to.equal("corr");
    expect(unpackAny(InventoryState, book.snapshot?.state)?.reserved).to.equal(5);
  });

  it("hands the raw Any to handlers registered by full name", async () => {
    const raw = new CommandRouter("inventory", stateRouter()).on("examples.inventory.ReserveStock", (cmd) => {
      expect(typeNameFromUrl(cmd.typeUrl)).to.equal(ReserveStock.$type);
      const reserve = unpackAny(ReserveStock, cmd)!;
      return packAny(StockReserved, { orderId: reserve.orderId, sku: reserve.sku, quantity: reserve.quantity });
    });
    const book = eventsOf(
      await raw.handle(contextualCommand(undefined, commandBook(cover, event(ReserveStock, { orderId: "o", sku: "k", quantity: 7 })))),
    );
    expect(unpackAny(StockReserved, pageEvent(book.pages[0]!))?.quantity).to.equal(7);
  });

  it("refuses an unknown command type with INVALID_ARGUMENT naming it", async () => {
    const err = await router()
      .handle(contextualCommand(undefined, commandBook(cover, event(CreateOrder, { customerId: "" }))))
      .catch((e: unknown) => e);
    expect(statusFromError(err).code).to.equal(Status.INVALID_ARGUMENT);
    expect((err as Error).message).to.contain("examples.orders.CreateOrder");
  });

  it("works with a plain rebuild function and answers Replay with an explicit stateType", async () => {
    const fn = (book: EventBook): InventoryState => InventoryState.create({ reserved: book.pages.length });
    const plain = new CommandRouter("inventory", fn, { stateType: InventoryState }).on(ReserveStock, (_cmd, state) =>
      event(StockReserved, { orderId: "", sku: "", quantity: state.reserved }),
    );
    const pages = eventBook(cover, [reserved(1), reserved(1)]).pages;
    const replayed = await plain.replay({ baseSnapshot: undefined, events: pages });
    expect(unpackAny(InventoryState, replayed.state)?.reserved).to.equal(2);
  });

  it("transforms facts with onFact and keeps other facts", async () => {
    const withFacts = router().onFact(StockReserved, (fact) => event(ItemAdded, { sku: fact.sku, quantity: fact.quantity }));
    const facts = eventBook(cover, [reserved(4), event(OrderCreated, { customerId: "kept" })]);
    const book = await withFacts.handleFact({ facts, priorEvents: eventBook(cover, [reserved(1)]) });
    expect(book.pages.map((p) => typeNameFromUrl(pageEvent(p)!.typeUrl))).to.deep.equal([ItemAdded.$type, OrderCreated.$type]);
    expect(book.pages.map((p) => headerSequence(p.header))).to.deep.equal([1, 2]);
  });

  it("routes rejections to onRejected with the rebuilt state", async () => {
    const compensating = router()
      .onRejected("orders", CreateOrder, (rejection, state) => event(StockReserved, { orderId: rejection.reason, sku: "", quantity: state.reserved }))
      .onRejected("orders", "examples.orders.Other", (rejection) => delegateToFramework(rejection.reason, { escalate: true }));
    const rejectedCommand = commandBook(makeCover({ domain: "orders", root: uuidFor("o") }), event(CreateOrder, { customerId: "" }));
    const notification = packAny(Notification, {
      cover,
      payload: packAny(RejectionNotification, { rejectedCommand, rejectionReason: "nope" }),
      sentAt: undefined,
      metadata: {},
    });
    const book = eventsOf(await compensating.handle(contextualCommand(eventBook(cover, [reserved(6)]), commandBook(cover, notification))));
    expect(unpackAny(StockReserved, pageEvent(book.pages[0]!))).to.include({ orderId: "nope", quantity: 6 });
  });

  it("reports misconfiguration as DefinitionError", async () => {
    expect(() => new CommandRouter("", stateRouter())).to.throw(DefinitionError, /domain is required/);
    expect(() => router().on(ReserveStock, () => undefined)).to.throw(
      DefinitionError,
      /CommandRouter\(inventory\): duplicate command handler for examples.inventory.ReserveStock/,
    );
    expect(() => new CommandRouter("x", (b: EventBook) => b.pages.length, { snapshotEvery: 5 })).to.throw(
      DefinitionError,
      /snapshotEvery needs a state codec/,
    );
    const empty = new CommandRouter("x", stateRouter());
    const err = await empty.handle(contextualCommand(undefined, commandBook(cover, reserved(1)))).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(DefinitionError);
  });
});
