import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { OrderAggregate } from "../../examples/orders/order-aggregate.js";
import { inventory } from "../../examples/inventory/inventory.js";
import { ReserveStock, StockReserved } from "../../examples/gen/examples/inventory.js";
import { AddItem, CreateOrder, ItemAdded, OrderCreated, OrderState } from "../../examples/gen/examples/orders.js";
import { computeRoot } from "../../src/core/identity.js";
import { typeNameFromUrl, unpackAny } from "../../src/core/any.js";
import { headerSequence, makeCover, pageEvent } from "../../src/core/books.js";
import { Status } from "../../src/errors.js";
import type { BusinessResponse } from "../../src/gen/angzarr/command_handler.js";
import type { EventBook } from "../../src/gen/angzarr/types.js";
import { Aggregate, DefinitionError, applies, event, handles, eventBook, commandBook } from "../../src/handlers/index.js";
import { runAggregateServer, type ServerHandle, type ServerLogger } from "../../src/server/index.js";
import { contextualCommand, snapshotOf, uuidFor } from "../../src/testing/builders.js";
import { call, callError, clients } from "./support.js";

class Exploding extends Aggregate<number> {
  static domain = "exploding";
  createEmptyState() {
    return 0;
  }
  @handles(CreateOrder)
  boom(): never {
    const err = new Error("db password=hunter2 leaked");
    err.stack = `${err.stack}\n    at secretFrame (/srv/app/internal.ts:42:7)`;
    throw err;
  }
  @applies(OrderCreated)
  a() {}
}

describe("runAggregateServer over gRPC", () => {
  const logged: Array<{ message: string; fields: Record<string, unknown> }> = [];
  const logger: ServerLogger = { error: (message, fields) => logged.push({ message, fields }), info: () => undefined };
  let server: ServerHandle;
  let c: ReturnType<typeof clients>;
  const orders = makeCover({ domain: "orders", root: uuidFor("o-1"), correlationId: "corr-77" });

  before(async () => {
    server = await runAggregateServer([OrderAggregate, inventory, Exploding], "127.0.0.1:0", { logger });
    c = clients(server.address);
  });
  after(async () => {
    c.close();
    await server.stop();
  });

  it("binds port 0 to a real port and reports host:port", () => {
    expect(server.port).to.be.greaterThan(0);
    expect(server.address).to.equal(`127.0.0.1:${server.port}`);
  });

  it("dispatches by cover.domain and answers with numbered events", async () => {
    const prior = eventBook(orders, [event(OrderCreated, { customerId: "c" })]);
    const response = await call(
      c.commands,
      c.commands.handle,
      contextualCommand(prior, commandBook(orders, event(AddItem, { sku: "a", quantity: 2 }), { sequence: 1 })),
    );
    const book = (response.result as { value: EventBook }).value;
    expect(typeNameFromUrl(pageEvent(book.pages[0]!)!.typeUrl)).to.equal(ItemAdded.$type);
    expect(headerSequence(book.pages[0]!.header)).to.equal(1);
    expect(book.cover?.correlationId).to.equal("corr-77");

    const inv = makeCover({ domain: "inventory", root: computeRoot("inventory", "sku") });
    const reserved: BusinessResponse = await call(
      c.commands,
      c.commands.handle,
      contextualCommand(undefined, commandBook(inv, event(ReserveStock, { orderId: "o", sku: "sku", quantity: 1 }))),
    );
    expect(unpackAny(StockReserved, pageEvent((reserved.result as { value: EventBook }).value.pages[0]!))?.sku).to.equal("sku");
  });

  it("answers NOT_FOUND for a domain it does not serve", async () => {
    const err = await callError(
      c.commands,
      c.commands.handle,
      contextualCommand(undefined, commandBook(makeCover({ domain: "billing", root: uuidFor("b") }), event(CreateOrder, { customerId: "" }))),
    );
    expect(err.code).to.equal(Status.NOT_FOUND);
    expect(err.details).to.equal("No aggregate registered for domain: billing");
  });

  it("answers a business rejection with FAILED_PRECONDITION and its message", async () => {
    const prior = eventBook(orders, [event(OrderCreated, { customerId: "c" })]);
    const err = await callError(
      c.commands,
      c.commands.handle,
      contextualCommand(prior, commandBook(orders, event(CreateOrder, { customerId: "c" }), { sequence: 1 })),
    );
    expect(err.code).to.equal(Status.FAILED_PRECONDITION);
    expect(err.details).to.equal("order already exists");
  });

  it("answers an unknown command type and a corrupt payload with INVALID_ARGUMENT", async () => {
    const unknown = await callError(
      c.commands,
      c.commands.handle,
      contextualCommand(undefined, commandBook(orders, event(ReserveStock, { orderId: "", sku: "", quantity: 0 }))),
    );
    expect(unknown.code).to.equal(Status.INVALID_ARGUMENT);
    expect(unknown.details).to.contain("examples.inventory.ReserveStock");
    const corrupt = await callError(
      c.commands,
      c.commands.handle,
      contextualCommand(undefined, commandBook(orders, { typeUrl: `type.googleapis.com/${AddItem.$type}`, value: Buffer.from([0xff, 0xff]) })),
    );
    expect(corrupt.code).to.equal(Status.INVALID_ARGUMENT);
  });

  it("answers an unexpected exception with INTERNAL, no stack or message on the wire, the stack in the log", async () => {
    const err = await callError(
      c.commands,
      c.commands.handle,
      contextualCommand(undefined, commandBook(makeCover({ domain: "exploding", root: uuidFor("x") }), event(CreateOrder, { customerId: "" }))),
    );
    expect(err.code).to.equal(Status.INTERNAL);
    expect(err.details).to.not.match(/hunter2|secretFrame|internal\.ts|\n/);
    const ref = /ref ([0-9a-f]+)/.exec(err.details)?.[1];
    expect(ref).to.be.a("string");
    const entry = logged.find((l) => l.fields.ref === ref);
    expect((entry?.fields.error as Error).stack).to.contain("secretFrame");
    for (const [key, values] of Object.entries(err.metadata.getMap())) expect(String(values), key).to.not.contain("hunter2");
  });

  it("serves HandleFact and Replay", async () => {
    const facts = eventBook(orders, [event(ItemAdded, { sku: "f", quantity: 1 })]);
    const book = await call(c.commands, c.commands.handleFact, { facts, priorEvents: eventBook(orders, [event(OrderCreated, { customerId: "c" })]) });
    expect(headerSequence(book.pages[0]!.header)).to.equal(1);
    const base = snapshotOf(OrderState, OrderState.create({ itemCount: 1 }), 0);
    const replayed = await call(c.commands, c.commands.replay, {
      baseSnapshot: base,
      events: eventBook(orders, [event(ItemAdded, { sku: "", quantity: 2 })], { startSequence: 1 }).pages,
    });
    expect(unpackAny(OrderState, replayed.state)?.itemCount).to.equal(3);
  });

  it("refuses two aggregates for one domain before binding", async () => {
    const err = await runAggregateServer([OrderAggregate, OrderAggregate]).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(DefinitionError);
    expect(String(err)).to.contain('two aggregates for domain "orders" on one server');
  });

  it("refuses an invalid aggregate class with its name before binding", async () => {
    class Nameless extends Aggregate<number> {
      createEmptyState() {
        return 0;
      }
    }
    // @ts-expect-error: no static domain
    const err = await runAggregateServer(Nameless).catch((e: unknown) => e);
    expect(String(err)).to.contain("Nameless: static domain is required");
  });
});
