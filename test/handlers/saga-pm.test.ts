import { describe, it } from "node:test";
import { expect } from "chai";
import { ReserveStock, StockReserved } from "../../examples/gen/examples/inventory.js";
import { AddItem, CheckpointTaken, ItemAdded, OrderCreated, OrderState } from "../../examples/gen/examples/orders.js";
import { unpackAny } from "../../src/core/any.js";
import { coverRoot, headerSequence, makeCover, pageCommand, pageEvent } from "../../src/core/books.js";
import { computeRoot } from "../../src/core/identity.js";
import type { SagaHandleRequest } from "../../src/gen/angzarr/saga.js";
import {
  DefinitionError,
  Destinations,
  ProcessManagerHandlers,
  ProcessManagerRouter,
  SagaHandlers,
  SagaRouter,
  StateRouter,
  commandBook,
  event,
  factBook,
  eventBook,
} from "../../src/handlers/index.js";
import { uuidFor } from "../../src/testing/builders.js";
import { ordersToInventory } from "../../examples/orders/orders-to-inventory.js";

const source = makeCover({ domain: "orders", root: uuidFor("order-1"), correlationId: "corr-9", edition: "what-if" });

function request(events: Parameters<typeof eventBook>[1], startSequence = 0, destinations: Record<string, number> = {}): SagaHandleRequest {
  return { source: eventBook(source, events, { startSequence }), syncMode: 0, cascadeErrorMode: 0, destinationSequences: destinations };
}

describe("SagaRouter", () => {
  it("walks every page and stamps commands with deferred headers naming the source event", async () => {
    const response = await ordersToInventory.handle(
      request(
        [event(OrderCreated, { customerId: "c" }), event(ItemAdded, { sku: "a", quantity: 1 }), event(ItemAdded, { sku: "b", quantity: 2 })],
        4,
      ),
    );
    expect(response.commands).to.have.length(2);
    const [first, second] = response.commands;
    expect(coverRoot(first!.cover)).to.equal(computeRoot("inventory", "a"));
    expect(first!.cover?.correlationId).to.equal("corr-9");
    expect(first!.cover?.edition?.name).to.equal("what-if");
    expect(unpackAny(ReserveStock, pageCommand(second!.pages[0]!))).to.include({ orderId: uuidFor("order-1"), sku: "b", quantity: 2 });
    const header = second!.pages[0]!.header?.sequenceType;
    expect(header?.$case).to.equal("angzarrDeferred");
    if (header?.$case !== "angzarrDeferred") return;
    expect(header.value.sourceSeq).to.equal(6);
    expect(header.value.source?.domain).to.equal("orders");
  });

  it("ignores books of another domain and events it does not declare", async () => {
    const other = { ...request([event(ItemAdded, { sku: "a", quantity: 1 })]) };
    other.source = { ...other.source!, cover: makeCover({ domain: "payments", root: uuidFor("p") }) };
    expect(await ordersToInventory.handle(other)).to.deep.equal({ commands: [], events: [] });
    expect((await ordersToInventory.handle(request([event(OrderCreated, { customerId: "" })]))).commands).to.deep.equal([]);
  });

  it("keeps explicit sequences, exposes destinations and stamps facts with stable external ids", async () => {
    let seen: Destinations | undefined;
    const saga = new SagaRouter(
      "s",
      "orders",
      new SagaHandlers().on(ItemAdded, (item, ctx) => {
        seen = ctx.destinations;
        const target = { domain: "inventory", root: computeRoot("inventory", item.sku) };
        const cmd = commandBook(target, event(ReserveStock, { orderId: "", sku: item.sku, quantity: 1 }));
        return {
          commands: [ctx.destinations.stampCommand(cmd)],
          facts: [factBook(target, [event(StockReserved, { orderId: "", sku: item.sku, quantity: 1 })])],
        };
      }),
    );
    const response = await saga.handle(request([event(ItemAdded, { sku: "k", quantity: 1 })], 3, { inventory: 7 }));
    expect(seen?.sequenceFor("inventory")).to.equal(7);
    expect(seen?.has("shipping")).to.equal(false);
    expect(seen?.domains()).to.deep.equal(["inventory"]);
    expect(headerSequence(response.commands[0]!.pages[0]!.header)).to.equal(7);
    const factHeader = response.events[0]!.pages[0]!.header?.sequenceType;
    expect(factHeader).to.deep.equal({ $case: "externalDeferred", value: { externalId: `s:${uuidFor("order-1")}:3:0:0`, description: "s" } });
    expect(response.events[0]!.cover?.correlationId).to.equal("corr-9");
  });

  it("refuses a handler declaring no event types", () => {
    expect(() => new SagaRouter("s", "orders", new SagaHandlers())).to.throw(DefinitionError, /declares no event types/);
  });
});

describe("Destinations", () => {
  it("answers sequences per domain and builds deferred headers", () => {
    const d = new Destinations({ inventory: 3, shipping: 0 });
    expect(d.sequenceFor("inventory")).to.equal(3);
    expect(d.sequenceFor("")).to.equal(undefined);
    expect(d.has("shipping")).to.equal(true);
    expect(Destinations.deferredHeader(source, 2).sequenceType).to.deep.equal({ $case: "angzarrDeferred", value: { source, sourceSeq: 2 } });
    expect(() => d.stampCommand(commandBook({ domain: "billing", root: uuidFor("b") }, event(AddItem, { sku: "", quantity: 0 })))).to.throw(
      /no destination sequence for domain "billing"/,
    );
  });
});

describe("ProcessManagerRouter", () => {
  const flow = new StateRouter(() => OrderState.create()).on(CheckpointTaken, (s) => {
    s.eventCount++;
  });
  const pm = () =>
    new ProcessManagerRouter("fulfillment", "fulfillment", flow)
      .domain(
        "orders",
        new ProcessManagerHandlers<OrderState>().on(
          ItemAdded,
          (item, state) => ({
            processEvents: event(CheckpointTaken, { note: `step ${state.eventCount}` }),
            commands: [
              commandBook(
                { domain: "inventory", root: computeRoot("inventory", item.sku) },
                event(ReserveStock, { orderId: "", sku: item.sku, quantity: item.quantity }),
              ),
            ],
          }),
          (item) => [{ domain: "inventory", root: computeRoot("inventory", item.sku) }],
        ),
      )
      .domain(
        "inventory",
        new ProcessManagerHandlers<OrderState>().on(StockReserved, () => ({ processEvents: event(CheckpointTaken, { note: "reserved" }) })),
      );
  const correlationId = uuidFor("flow-1");
  const trigger = (domain: string, events: Parameters<typeof eventBook>[1]) =>
    eventBook(makeCover({ domain, root: uuidFor("t"), correlationId }), events);
  const own = eventBook(makeCover({ domain: "fulfillment", root: correlationId, correlationId }), [
    event(CheckpointTaken, { note: "a" }),
    event(CheckpointTaken, { note: "b" }),
  ]);

  it("names destinations in prepare", async () => {
    const response = await pm().prepare({ trigger: trigger("orders", [event(ItemAdded, { sku: "z", quantity: 1 })]), processState: own });
    expect(response.destinations.map((c) => coverRoot(c))).to.deep.equal([computeRoot("inventory", "z")]);
  });

  it("numbers its own events after its prior events and stamps commands from its cover", async () => {
    const response = await pm().handle({
      trigger: trigger("orders", [event(OrderCreated, { customerId: "" }), event(ItemAdded, { sku: "z", quantity: 2 })]),
      processState: own,
      destinationSequences: {},
    });
    const processEvents = response.processEvents!;
    expect(processEvents.cover?.domain).to.equal("fulfillment");
    expect(coverRoot(processEvents.cover)).to.equal(correlationId);
    expect(headerSequence(processEvents.pages[0]!.header)).to.equal(2);
    expect(unpackAny(CheckpointTaken, pageEvent(processEvents.pages[0]!))?.note).to.equal("step 2");
    const header = response.commands[0]!.pages[0]!.header?.sequenceType;
    expect(header?.$case === "angzarrDeferred" && header.value.source?.domain).to.equal("fulfillment");
    expect(header?.$case === "angzarrDeferred" && header.value.sourceSeq).to.equal(2);
    expect(response.commands[0]!.cover?.correlationId).to.equal(correlationId);
  });

  it("reacts only to the newest page and only with a correlation id", async () => {
    const stale = await pm().handle({
      trigger: trigger("orders", [event(ItemAdded, { sku: "z", quantity: 2 }), event(OrderCreated, { customerId: "" })]),
      processState: own,
      destinationSequences: {},
    });
    expect(stale.commands).to.deep.equal([]);
    const anonymous = eventBook(makeCover({ domain: "orders", root: uuidFor("t") }), [event(ItemAdded, { sku: "z", quantity: 2 })]);
    expect((await pm().handle({ trigger: anonymous, processState: undefined, destinationSequences: {} })).processEvents).to.equal(undefined);
  });

  it("dispatches per source domain", async () => {
    const response = await pm().handle({
      trigger: trigger("inventory", [event(StockReserved, { orderId: "", sku: "", quantity: 1 })]),
      processState: undefined,
      destinationSequences: {},
    });
    expect(unpackAny(CheckpointTaken, pageEvent(response.processEvents!.pages[0]!))?.note).to.equal("reserved");
    expect(headerSequence(response.processEvents!.pages[0]!.header)).to.equal(0);
  });

  it("refuses a source domain registered twice", () => {
    expect(() => pm().domain("orders", new ProcessManagerHandlers<OrderState>())).to.throw(DefinitionError, /registered twice/);
  });
});
