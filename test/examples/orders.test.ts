import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { StockReserved } from "../../examples/gen/examples/inventory.js";
import { startOrdersHandler } from "../../examples/orders/index.js";
import { OrderAggregate } from "../../examples/orders/order-aggregate.js";
import {
  AddItem,
  Checkpoint,
  CheckpointTaken,
  CreateOrder,
  FailWith,
  ItemAdded,
  OrderConfirmed,
  OrderCreated,
  OrderShipped,
  OrderState,
  OrderValidated,
  PaymentCaptured,
  ProcessOrder,
  ShipOrder,
} from "../../examples/gen/examples/orders.js";
import { typeNameFromUrl, unpackAny } from "../../src/core/any.js";
import { headerSequence, makeCover, pageEvent } from "../../src/core/books.js";
import { Status } from "../../src/errors.js";
import type { EventBook } from "../../src/gen/angzarr/types.js";
import { event, type EventLike, eventBook, commandBook } from "../../src/handlers/index.js";
import { silentLogger, type ServerHandle } from "../../src/server/index.js";
import { contextualCommand, uuidFor } from "../../src/testing/builders.js";
import { testAggregate } from "../../src/testing/harness.js";
import { call, callError, clients } from "../server/support.js";

const created = event(OrderCreated, { customerId: "cust-1" });

describe("examples/orders through startOrdersHandler (real gRPC)", () => {
  let server: ServerHandle;
  let c: ReturnType<typeof clients>;
  const cover = makeCover({ domain: "orders", root: uuidFor("order-42"), correlationId: "corr-42" });
  const send = (prior: EventLike[], command: EventLike) =>
    call(c.commands, c.commands.handle, contextualCommand(eventBook(cover, prior), commandBook(cover, command, { sequence: prior.length })));
  const fail = (prior: EventLike[], command: EventLike) =>
    callError(c.commands, c.commands.handle, contextualCommand(eventBook(cover, prior), commandBook(cover, command, { sequence: prior.length })));
  const types = (book: EventBook) => book.pages.map((p) => typeNameFromUrl(pageEvent(p)!.typeUrl));

  before(async () => {
    server = await startOrdersHandler(undefined, { logger: silentLogger });
    c = clients(server.address);
  });
  after(async () => {
    c.close();
    await server.stop();
  });

  it("creates an order once", async () => {
    const book = (await send([], event(CreateOrder, { customerId: "cust-1" }))).result!.value as EventBook;
    expect(types(book)).to.deep.equal([OrderCreated.$type]);
    const again = await fail([created], event(CreateOrder, { customerId: "cust-1" }));
    expect(again.code).to.equal(Status.FAILED_PRECONDITION);
  });

  it("adds items only to an existing order", async () => {
    expect((await fail([], event(AddItem, { sku: "a", quantity: 1 }))).code).to.equal(Status.FAILED_PRECONDITION);
    const book = (await send([created], event(AddItem, { sku: "a", quantity: 1 }))).result!.value as EventBook;
    expect(headerSequence(book.pages[0]!.header)).to.equal(1);
  });

  it("processes an order into three events at consecutive sequences", async () => {
    const book = (await send([created, event(ItemAdded, { sku: "a", quantity: 1 })], event(ProcessOrder, { note: "go" }))).result!.value as EventBook;
    expect(types(book)).to.deep.equal([OrderValidated.$type, PaymentCaptured.$type, OrderConfirmed.$type]);
    expect(book.pages.map((p) => headerSequence(p.header))).to.deep.equal([2, 3, 4]);
  });

  it("names the missing required field of ShipOrder", async () => {
    const noAddress = await fail([created], event(ShipOrder, { address: "", carrier: "ups" }));
    expect(noAddress.code).to.equal(Status.INVALID_ARGUMENT);
    expect(noAddress.details).to.equal("missing required field: address");
    const noCarrier = await fail([created], event(ShipOrder, { address: "1 Main St", carrier: "" }));
    expect(noCarrier.details).to.equal("missing required field: carrier");
    const book = (await send([created], event(ShipOrder, { address: "1 Main St", carrier: "ups" }))).result!.value as EventBook;
    expect(types(book)).to.deep.equal([OrderShipped.$type]);
  });

  it("answers FailWith with the requested status and message", async () => {
    for (const code of [Status.NOT_FOUND, Status.ABORTED, Status.RESOURCE_EXHAUSTED, Status.UNAVAILABLE, Status.INTERNAL, Status.PERMISSION_DENIED]) {
      const err = await fail([], event(FailWith, { code, message: `injected ${code}` }));
      expect(err.code, Status[code]).to.equal(code);
      expect(err.details).to.equal(`injected ${code}`);
    }
    const invalid = await fail([], event(FailWith, { code: 0, message: "ok?" }));
    expect(invalid.code).to.equal(Status.INVALID_ARGUMENT);
  });

  it("takes a checkpoint with a snapshot of the state", async () => {
    const book = (await send([created, event(ItemAdded, { sku: "a", quantity: 3 })], event(Checkpoint, { note: "cp" }))).result!.value as EventBook;
    expect(types(book)).to.deep.equal([CheckpointTaken.$type]);
    expect(book.snapshot?.sequence).to.equal(2);
    expect(unpackAny(OrderState, book.snapshot?.state)).to.include({ customerId: "cust-1", itemCount: 3, eventCount: 3 });
  });
});

describe("examples/orders: the fulfillment process manager (real gRPC)", () => {
  const types = (book: EventBook) => book.pages.map((p) => typeNameFromUrl(pageEvent(p)!.typeUrl));

  it("records the items ordered and the stock reserved as its own events, numbered after its state, and emits no commands", async () => {
    const server = await startOrdersHandler(undefined, { logger: silentLogger });
    const c = clients(server.address);
    try {
      const correlationId = uuidFor("flow-1");
      const ordered = eventBook(makeCover({ domain: "orders", root: uuidFor("order-1"), correlationId }), [
        event(ItemAdded, { sku: "a", quantity: 2 }),
      ]);
      const first = await call(c.processManagers, c.processManagers.handle, { trigger: ordered, processState: undefined, destinationSequences: {} });
      expect(types(first.processEvents!)).to.deep.equal([ItemAdded.$type]);
      expect(first.commands).to.deep.equal([]);
      const reserved = eventBook(makeCover({ domain: "inventory", root: uuidFor("stock-a"), correlationId }), [
        event(StockReserved, { orderId: "order-1", sku: "a", quantity: 2 }),
      ]);
      const second = await call(c.processManagers, c.processManagers.handle, {
        trigger: reserved,
        processState: first.processEvents,
        destinationSequences: {},
      });
      expect(types(second.processEvents!)).to.deep.equal([StockReserved.$type]);
      expect(headerSequence(second.processEvents!.pages[0]!.header)).to.equal(1);
    } finally {
      c.close();
      await server.stop();
    }
  });
});

describe("examples/orders with testAggregate", () => {
  it("ships once", async () => {
    await testAggregate(OrderAggregate)
      .given(created, event(OrderShipped, { address: "a", carrier: "c" }))
      .when(event(ShipOrder, { address: "a", carrier: "c" }))
      .expectRejection(Status.FAILED_PRECONDITION, "already shipped");
  });
});
