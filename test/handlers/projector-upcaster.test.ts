import { describe, it } from "node:test";
import { expect } from "chai";
import { orderSummary } from "../../examples/orders/order-summary.js";
import { OrderUpcaster } from "../../examples/orders/order-upcaster.js";
import { CreateOrder, ItemAdded, OrderCreated, OrderCreatedV1, OrderCreatedV2, OrderSummary } from "../../examples/gen/examples/orders.js";
import { typeNameFromUrl, unpackAny } from "../../src/core/any.js";
import { makeCover, pageEvent } from "../../src/core/books.js";
import { DefinitionError, ProjectorRouter, Upcaster, UpcasterRouter, event, upcasts, eventBook } from "../../src/handlers/index.js";
import { upcasterHandler } from "../../src/handlers/upcaster-router.js";
import { uuidFor } from "../../src/testing/builders.js";

const cover = makeCover({ domain: "orders", root: uuidFor("order-7") });

describe("ProjectorRouter", () => {
  it("folds the book into its output and reports the last sequence", async () => {
    const book = eventBook(
      cover,
      [event(OrderCreated, { customerId: "c" }), event(ItemAdded, { sku: "a", quantity: 2 }), event(ItemAdded, { sku: "b", quantity: 3 })],
      { startSequence: 10 },
    );
    const projection = await orderSummary.handle(book, false);
    expect(projection.projector).to.equal("order-summary");
    expect(projection.sequence).to.equal(12);
    expect(projection.cover).to.deep.equal(cover);
    expect(unpackAny(OrderSummary, projection.projection)).to.include({ root: uuidFor("order-7"), eventsSeen: 3, items: 5 });
  });

  it("tells handlers about speculative runs", async () => {
    const writes: string[] = [];
    const projector = new ProjectorRouter("log", undefined, () => undefined).on(OrderCreated, async (_s, e, ctx) => {
      if (!ctx.speculative) writes.push(e.customerId);
    });
    const book = eventBook(cover, [event(OrderCreated, { customerId: "x" })]);
    await projector.handle(book, true);
    expect(writes).to.deep.equal([]);
    await projector.handle(book, false);
    expect(writes).to.deep.equal(["x"]);
  });

  it("answers books of other domains with an empty projection", async () => {
    const projection = await orderSummary.handle(
      eventBook(makeCover({ domain: "inventory", root: uuidFor("i") }), [event(ItemAdded, { sku: "a", quantity: 1 })]),
      false,
    );
    expect(projection.projection).to.equal(undefined);
  });

  it("refuses an empty domain list and a second output", () => {
    expect(() => new ProjectorRouter("p", [], () => 0)).to.throw(DefinitionError, /domains is empty/);
    expect(() =>
      new ProjectorRouter("p", undefined, () => 0)
        .output(OrderSummary, () => OrderSummary.create())
        .output(OrderSummary, () => OrderSummary.create()),
    ).to.throw(DefinitionError, /output is declared twice/);
  });
});

describe("Upcasters", () => {
  const v1 = eventBook(cover, [event(OrderCreatedV1, { customer: "old" }), event(ItemAdded, { sku: "a", quantity: 1 })], { startSequence: 4 });

  it("chains V1 -> V2 -> current and keeps headers and timestamps", async () => {
    const { events } = await upcasterHandler(OrderUpcaster).upcast({ domain: "orders", events: v1.pages });
    expect(events.map((p) => typeNameFromUrl(pageEvent(p)!.typeUrl))).to.deep.equal([OrderCreated.$type, ItemAdded.$type]);
    expect(unpackAny(OrderCreated, pageEvent(events[0]!))?.customerId).to.equal("old");
    expect(events[0]!.header).to.deep.equal(v1.pages[0]!.header);
    expect(events[0]!.createdAt).to.deep.equal(v1.pages[0]!.createdAt);
    expect(events[1]).to.equal(v1.pages[1]);
  });

  it("stops the chain where no rule matches", async () => {
    const partial = new UpcasterRouter("orders").on(OrderCreatedV1, OrderCreatedV2, (old) => ({ customerId: old.customer, channel: "web" }));
    const { events } = await partial.upcast({ domain: "orders", events: v1.pages });
    expect(unpackAny(OrderCreatedV2, pageEvent(events[0]!))).to.include({ customerId: "old", channel: "web" });
  });

  it("passes other domains through unchanged", async () => {
    const { events } = await upcasterHandler(OrderUpcaster).upcast({ domain: "inventory", events: v1.pages });
    expect(events).to.equal(v1.pages);
  });

  it("stops a cycle instead of looping forever", async () => {
    const cyclic = new UpcasterRouter("orders")
      .on(OrderCreatedV1, OrderCreatedV2, () => ({ customerId: "", channel: "" }))
      .on(OrderCreatedV2, OrderCreatedV1, () => ({ customer: "" }));
    const err = await cyclic.upcast({ domain: "orders", events: v1.pages }).catch((e: unknown) => e);
    expect(String(err)).to.match(/did not settle/);
  });

  it("validates upcaster classes", () => {
    class NoDomain extends Upcaster {
      @upcasts(OrderCreatedV1, OrderCreatedV2)
      up(old: OrderCreatedV1): OrderCreatedV2 {
        return { customerId: old.customer, channel: "" };
      }
    }
    // @ts-expect-error: no static domain
    expect(() => upcasterHandler(NoDomain)).to.throw(DefinitionError, /NoDomain: static domain is required/);
    class NoRules extends Upcaster {
      static domain = "orders";
    }
    expect(() => upcasterHandler(NoRules)).to.throw(DefinitionError, /NoRules: no @upcasts/);
    expect(() => new UpcasterRouter("orders").on(CreateOrder, CreateOrder, (c) => c)).to.throw(DefinitionError, /itself/);
  });
});
