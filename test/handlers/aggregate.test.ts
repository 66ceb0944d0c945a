import { describe, it } from "node:test";
import { expect } from "chai";
import { OrderAggregate } from "../../examples/orders/order-aggregate.js";
import {
  AddItem,
  Checkpoint,
  CheckpointTaken,
  CreateOrder,
  ItemAdded,
  OrderCreated,
  OrderState,
  ProcessOrder,
} from "../../examples/gen/examples/orders.js";
import { ReserveStock } from "../../examples/gen/examples/inventory.js";
import { FRAMEWORK_TYPE_URL_PREFIX, packAny, typeNameFromUrl, unpackAny } from "../../src/core/any.js";
import { headerSequence, makeCommandPage, makeCover, pageEvent } from "../../src/core/books.js";
import { CommandRejectedError, Status } from "../../src/errors.js";
import type { BusinessResponse } from "../../src/gen/angzarr/command_handler.js";
import { Notification, RejectionNotification, type EventBook } from "../../src/gen/angzarr/types.js";
import type { Any } from "../../src/gen/google/protobuf/any.js";
import {
  Aggregate,
  CompensationContext,
  DefinitionError,
  DispatchError,
  aggregate,
  applies,
  delegateToFramework,
  event,
  handles,
  handlesFact,
  rejected,
  eventBook,
  commandBook,
} from "../../src/handlers/index.js";
import { aggregateHandler } from "../../src/handlers/aggregate.js";
import { statusFromError } from "../../src/handlers/status.js";
import { contextualCommand, snapshotOf, uuidFor } from "../../src/testing/builders.js";

const cover = makeCover({ domain: "orders", root: uuidFor("order-1"), correlationId: "corr-1" });
const orders = aggregateHandler(OrderAggregate);

function eventsOf(response: BusinessResponse): EventBook {
  expect(response.result?.$case).to.equal("events");
  return (response.result as { value: EventBook }).value;
}

function typesOf(book: EventBook): string[] {
  return book.pages.map((p) => typeNameFromUrl(pageEvent(p)!.typeUrl));
}

const created = event(OrderCreated, { customerId: "c-1" });

describe("Aggregate dispatch", () => {
  it("numbers emitted events from the prior book's next sequence and carries the command's cover", async () => {
    const prior = eventBook(cover, [created, event(ItemAdded, { sku: "a", quantity: 1 })]);
    const book = eventsOf(await orders.handle(contextualCommand(prior, commandBook(cover, event(ProcessOrder, { note: "n" }), { sequence: 2 }))));
    expect(typesOf(book)).to.deep.equal(["examples.orders.OrderValidated", "examples.orders.PaymentCaptured", "examples.orders.OrderConfirmed"]);
    expect(book.pages.map((p) => headerSequence(p.header))).to.deep.equal([2, 3, 4]);
    expect(book.nextSequence).to.equal(5);
    expect(book.cover?.correlationId).to.equal("corr-1");
    expect(book.cover?.domain).to.equal("orders");
    for (const page of book.pages) expect(page.createdAt?.seconds).to.be.greaterThan(1_700_000_000);
  });

  it("starts at the prior book's stated next_sequence when its pages are empty (everything in a snapshot)", async () => {
    const state = OrderState.create({ customerId: "c-1", eventCount: 8 });
    const prior = eventBook(cover, [], { snapshot: snapshotOf(OrderState, state, 7) });
    const book = eventsOf(await orders.handle(contextualCommand(prior, commandBook(cover, event(AddItem, { sku: "a", quantity: 2 })))));
    expect(headerSequence(book.pages[0]!.header)).to.equal(8);
  });

  it("refuses an unknown command type with INVALID_ARGUMENT naming the type", async () => {
    const err = await orders
      .handle(contextualCommand(undefined, commandBook(cover, event(ReserveStock, { orderId: "", sku: "x", quantity: 1 }))))
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(DispatchError);
    expect(statusFromError(err)).to.include({ code: Status.INVALID_ARGUMENT });
    expect((err as Error).message).to.contain("examples.inventory.ReserveStock");
  });

  it("refuses an undecodable payload with INVALID_ARGUMENT", async () => {
    const corrupt: Any = { typeUrl: "type.googleapis.com/examples.orders.CreateOrder", value: Buffer.from([0x0a, 0x05, 0x01]) };
    const err = await orders.handle(contextualCommand(undefined, commandBook(cover, corrupt))).catch((e: unknown) => e);
    expect(statusFromError(err).code).to.equal(Status.INVALID_ARGUMENT);
  });

  it("maps CommandRejectedError to its status and message", async () => {
    const prior = eventBook(cover, [created]);
    const err = await orders
      .handle(contextualCommand(prior, commandBook(cover, event(CreateOrder, { customerId: "c-2" }), { sequence: 1 })))
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(CommandRejectedError);
    expect(statusFromError(err)).to.deep.equal({ code: Status.FAILED_PRECONDITION, details: "order already exists", ref: undefined });
  });

  it("maps any other exception to INTERNAL without its message or stack", () => {
    const status = statusFromError(new Error("password=hunter2 at db.ts:12"));
    expect(status.code).to.equal(Status.INTERNAL);
    expect(status.details).to.not.contain("hunter2");
    expect(status.details).to.contain(status.ref!);
  });

  it("accepts type URLs with the framework prefix", async () => {
    const cmd: Any = { ...packAny(CreateOrder, { customerId: "c" }), typeUrl: FRAMEWORK_TYPE_URL_PREFIX + CreateOrder.$type };
    const book = eventsOf(await orders.handle(contextualCommand(undefined, commandBook(cover, cmd))));
    expect(typesOf(book)).to.deep.equal(["examples.orders.OrderCreated"]);
  });

  it("handles every page of a multi-page command, later pages seeing earlier events", async () => {
    const command = commandBook(cover, event(CreateOrder, { customerId: "c" }));
    command.pages.push(makeCommandPage(1, packAny(AddItem, { sku: "a", quantity: 3 })));
    const book = eventsOf(await orders.handle(contextualCommand(undefined, command)));
    expect(typesOf(book)).to.deep.equal(["examples.orders.OrderCreated", "examples.orders.ItemAdded"]);
    expect(book.pages.map((p) => headerSequence(p.header))).to.deep.equal([0, 1]);
  });
});

describe("Aggregate state", () => {
  it("rebuilds from the snapshot and skips pages it covers", () => {
    const snapshot = snapshotOf(OrderState, OrderState.create({ customerId: "snap", itemCount: 10, eventCount: 5 }), 4);
    const book = eventBook(cover, [event(ItemAdded, { sku: "old", quantity: 100 }), event(ItemAdded, { sku: "b", quantity: 2 })], {
      startSequence: 4,
      snapshot,
    });
    const state = orders.rebuildState(book);
    expect(state).to.include({ customerId: "snap", itemCount: 12, eventCount: 6 });
  });

  it("skips unknown event types and starts empty without events", () => {
    expect(orders.rebuildState(eventBook(cover, []))).to.deep.equal(OrderState.create());
    const state = orders.rebuildState(eventBook(cover, [created, event(ReserveStock, { orderId: "", sku: "x", quantity: 1 })]));
    expect(state.eventCount).to.equal(1);
  });

  it("builds state lazily: a handler that does not read it never rebuilds", async () => {
    let applied = 0;
    @aggregate
    class Counting extends Aggregate<{ n: number }> {
      static domain = "counting";
      createEmptyState() {
        return { n: 0 };
      }
      @handles(CreateOrder)
      blind() {
        return event(OrderCreated, { customerId: "" });
      }
      @handles(AddItem)
      reading() {
        return event(ItemAdded, { sku: String(this.state.n), quantity: 1 });
      }
      @applies(OrderCreated)
      count(state: { n: number }) {
        applied++;
        state.n++;
      }
    }
    const handler = aggregateHandler(Counting);
    const prior = eventBook(makeCover({ domain: "counting", root: uuidFor("c") }), [created, created]);
    await handler.handle(contextualCommand(prior, commandBook(prior.cover!, event(CreateOrder, { customerId: "" }))));
    expect(applied).to.equal(0);
    const book = eventsOf(await handler.handle(contextualCommand(prior, commandBook(prior.cover!, event(AddItem, { sku: "", quantity: 1 })))));
    expect(applied).to.equal(2);
    expect(unpackAny(ItemAdded, pageEvent(book.pages[0]!))?.sku).to.equal("2");
  });

  it("supports an applyEvent override instead of @applies methods", () => {
    class ByHand extends Aggregate<string[]> {
      static domain = "byhand";
      createEmptyState(): string[] {
        return [];
      }
      override applyEvent(state: string[], e: Any): void {
        state.push(typeNameFromUrl(e.typeUrl));
      }
      @handles(CreateOrder)
      create() {
        return created;
      }
    }
    const state = aggregateHandler(ByHand).rebuildState(
      eventBook(makeCover({ domain: "byhand", root: uuidFor("b") }), [created, event(ItemAdded, { sku: "", quantity: 0 })]),
    );
    expect(state).to.deep.equal(["examples.orders.OrderCreated", "examples.orders.ItemAdded"]);
  });

  it("inherits handlers and appliers from a base aggregate class", async () => {
    abstract class BaseOrders extends Aggregate<OrderState> {
      createEmptyState() {
        return OrderState.create();
      }
      @handles(CreateOrder)
      create(cmd: CreateOrder) {
        return event(OrderCreated, { customerId: cmd.customerId });
      }
      @applies(OrderCreated)
      created(state: OrderState, e: OrderCreated) {
        state.customerId = e.customerId;
      }
    }
    class Derived extends BaseOrders {
      static domain = "derived";
      @handles(AddItem)
      add() {
        return event(ItemAdded, { sku: this.state.customerId, quantity: 1 });
      }
    }
    const prior = eventBook(makeCover({ domain: "derived", root: uuidFor("d") }), [created]);
    const book = eventsOf(
      await aggregateHandler(Derived).handle(contextualCommand(prior, commandBook(prior.cover!, event(AddItem, { sku: "", quantity: 1 })))),
    );
    expect(unpackAny(ItemAdded, pageEvent(book.pages[0]!))?.sku).to.equal("c-1");
  });
});

describe("Aggregate snapshots", () => {
  it("attaches a snapshot of the state after the events when the handler asks", async () => {
    const prior = eventBook(cover, [created, event(ItemAdded, { sku: "a", quantity: 2 })]);
    const book = eventsOf(await orders.handle(contextualCommand(prior, commandBook(cover, event(Checkpoint, { note: "x" })))));
    expect(typesOf(book)).to.deep.equal([CheckpointTaken.$type]);
    expect(book.snapshot?.sequence).to.equal(2);
    expect(unpackAny(OrderState, book.snapshot?.state)).to.include({ customerId: "c-1", itemCount: 2, eventCount: 3 });
  });

  it("snapshots every N events with static snapshotEvery", async () => {
    class Every extends Aggregate<OrderState> {
      static domain = "every";
      static stateType = OrderState;
      static snapshotEvery = 3;
      createEmptyState() {
        return OrderState.create();
      }
      @handles(AddItem)
      add(cmd: AddItem) {
        return event(ItemAdded, { sku: cmd.sku, quantity: cmd.quantity });
      }
      @applies(ItemAdded)
      added(state: OrderState, e: ItemAdded) {
        state.itemCount += e.quantity;
      }
    }
    const handler = aggregateHandler(Every);
    const c = makeCover({ domain: "every", root: uuidFor("e") });
    const item = event(ItemAdded, { sku: "a", quantity: 1 });
    const at = async (n: number) =>
      eventsOf(await handler.handle(contextualCommand(eventBook(c, Array(n).fill(item)), commandBook(c, event(AddItem, { sku: "a", quantity: 1 })))));
    expect((await at(0)).snapshot).to.equal(undefined);
    expect((await at(1)).snapshot).to.equal(undefined);
    const third = await at(2);
    expect(third.snapshot?.sequence).to.equal(2);
    expect(unpackAny(OrderState, third.snapshot?.state)?.itemCount).to.equal(3);
  });

  it("refuses a snapshot it cannot decode (no stateType) instead of building a wrong state", () => {
    class NoCodec extends Aggregate<OrderState> {
      static domain = "nocodec";
      createEmptyState() {
        return OrderState.create();
      }
      @handles(CreateOrder)
      c() {
        return created;
      }
      @applies(OrderCreated)
      a() {}
    }
    const book = eventBook(cover, [], { snapshot: snapshotOf(OrderState, OrderState.create(), 3) });
    expect(() => aggregateHandler(NoCodec).rebuildState(book)).to.throw(DispatchError, /declares no stateType/);
  });
});

describe("Aggregate facts and replay", () => {
  it("records facts as they are by default, renumbered after the prior events", async () => {
    const prior = eventBook(cover, [created]);
    const facts = eventBook(cover, [event(ItemAdded, { sku: "f", quantity: 1 })], { startSequence: 99 });
    const book = await orders.handleFact({ facts, priorEvents: prior });
    expect(typesOf(book)).to.deep.equal([ItemAdded.$type]);
    expect(headerSequence(book.pages[0]!.header)).to.equal(1);
    expect(book.pages[0]!.createdAt).to.deep.equal(facts.pages[0]!.createdAt);
  });

  it("lets @handlesFact replace a fact with other events", async () => {
    class FactAware extends Aggregate<OrderState> {
      static domain = "orders";
      createEmptyState() {
        return OrderState.create();
      }
      @handles(CreateOrder)
      c() {
        return created;
      }
      @handlesFact(ItemAdded)
      fact(f: ItemAdded) {
        return [event(ItemAdded, { ...f, quantity: f.quantity * 10 }), event(CheckpointTaken, { note: "fact" })];
      }
      @applies(ItemAdded)
      a() {}
    }
    const book = await aggregateHandler(FactAware).handleFact({
      facts: eventBook(cover, [event(ItemAdded, { sku: "f", quantity: 2 })]),
      priorEvents: undefined,
    });
    expect(typesOf(book)).to.deep.equal([ItemAdded.$type, CheckpointTaken.$type]);
    expect(unpackAny(ItemAdded, pageEvent(book.pages[0]!))?.quantity).to.equal(20);
  });

  it("replays a base snapshot plus events into packed state", async () => {
    const base = snapshotOf(OrderState, OrderState.create({ customerId: "b", eventCount: 1 }), 0);
    const pages = eventBook(cover, [event(ItemAdded, { sku: "a", quantity: 4 })], { startSequence: 1 }).pages;
    const response = await orders.replay({ baseSnapshot: base, events: pages });
    expect(unpackAny(OrderState, response.state)).to.include({ customerId: "b", itemCount: 4, eventCount: 2 });
  });

  it("answers Replay with UNIMPLEMENTED when there is no stateType", async () => {
    class Plain extends Aggregate<number> {
      static domain = "plain";
      createEmptyState() {
        return 0;
      }
      @handles(CreateOrder)
      c() {
        return created;
      }
      @applies(OrderCreated)
      a(n: number) {
        return n + 1;
      }
    }
    const err = await aggregateHandler(Plain)
      .replay({ baseSnapshot: undefined, events: [] })
      .catch((e: unknown) => e);
    expect(statusFromError(err).code).to.equal(Status.UNIMPLEMENTED);
  });
});

describe("Aggregate rejections", () => {
  class Compensating extends Aggregate<OrderState> {
    static domain = "orders";
    createEmptyState() {
      return OrderState.create();
    }
    @handles(CreateOrder)
    c() {
      return created;
    }
    @applies(OrderCreated)
    a() {}
    @rejected("inventory", ReserveStock)
    onReserve(ctx: CompensationContext) {
      return event(CheckpointTaken, { note: `released ${ctx.commandAs(ReserveStock)?.sku}: ${ctx.reason}` });
    }
    @rejected("inventory", "examples.inventory.Other")
    onOther(ctx: CompensationContext) {
      return delegateToFramework(`cannot undo: ${ctx.reason}`, { sendToDeadLetterQueue: true });
    }
  }
  const handler = aggregateHandler(Compensating);

  function notification(commandType: Any, prefix: string): Any {
    const rejectedCommand = commandBook(makeCover({ domain: "inventory", root: uuidFor("sku") }), commandType);
    const payload = {
      ...packAny(RejectionNotification, { rejectedCommand, rejectionReason: "out of stock" }),
      typeUrl: `${prefix}angzarr.RejectionNotification`,
    };
    return { ...packAny(Notification, { cover, payload, sentAt: undefined, metadata: {} }), typeUrl: `${prefix}angzarr.Notification` };
  }

  for (const prefix of ["type.googleapis.com/", "type.angzarr.io/"]) {
    it(`routes a Notification (${prefix}) to the matching @rejected method`, async () => {
      const n = notification(packAny(ReserveStock, { orderId: "o", sku: "s-1", quantity: 1 }), prefix);
      const book = eventsOf(await handler.handle(contextualCommand(eventBook(cover, [created]), commandBook(cover, n))));
      expect(unpackAny(CheckpointTaken, pageEvent(book.pages[0]!))?.note).to.equal("released s-1: out of stock");
      expect(headerSequence(book.pages[0]!.header)).to.equal(1);
    });
  }

  it("returns a handler's delegateToFramework as a revocation", async () => {
    const n = notification({ typeUrl: "type.googleapis.com/examples.inventory.Other", value: Buffer.alloc(0) }, "type.angzarr.io/");
    const response = await handler.handle(contextualCommand(undefined, commandBook(cover, n)));
    expect(response.result?.$case).to.equal("revocation");
    expect(response.result?.value).to.include({ reason: "cannot undo: out of stock", sendToDeadLetterQueue: true, emitSystemRevocation: true });
  });

  it("delegates to the framework when no handler matches", async () => {
    const n = notification(packAny(CreateOrder, { customerId: "" }), "type.angzarr.io/");
    const response = await handler.handle(contextualCommand(undefined, commandBook(cover, n)));
    expect(response.result?.$case).to.equal("revocation");
    expect((response.result?.value as { reason: string }).reason).to.contain("out of stock");
  });
});

describe("Aggregate definition errors", () => {
  it("fails at class definition when @aggregate finds no static domain, naming the class", () => {
    expect(() => {
      // @ts-expect-error: the missing static domain is also a compile-time error
      @aggregate
      class NoDomain extends Aggregate<number> {
        createEmptyState() {
          return 0;
        }
        @handles(CreateOrder)
        c() {}
        @applies(OrderCreated)
        a() {}
      }
      return NoDomain;
    }).to.throw(DefinitionError, /^NoDomain: static domain is required/);
  });

  it("fails at first use when an undecorated class has no static domain", () => {
    class Bare extends Aggregate<number> {
      createEmptyState() {
        return 0;
      }
    }
    // @ts-expect-error: not an AggregateClass (no static domain)
    expect(() => aggregateHandler(Bare)).to.throw(DefinitionError, /^Bare: static domain is required/);
    expect(() => new Bare()).to.throw(DefinitionError, /^Bare: static domain/);
  });

  it("fails at class definition on two handlers for one command type", () => {
    expect(() => {
      class Twice extends Aggregate<number> {
        static domain = "twice";
        createEmptyState() {
          return 0;
        }
        @handles(CreateOrder)
        one() {}
        @handles(CreateOrder)
        two() {}
      }
      return Twice;
    }).to.throw(DefinitionError, /@handles\(examples.orders.CreateOrder\) is declared twice: on one\(\) and on two\(\)/);
  });

  it("rejects a decorator argument that is not a generated message type", () => {
    // @ts-expect-error: a plain object is not a codec
    expect(() => handles({ name: "CreateOrder" })).to.throw(TypeError, /generated message type/);
  });

  it("refuses a method that both handles and applies", () => {
    expect(() => {
      class Both extends Aggregate<number> {
        static domain = "both";
        createEmptyState() {
          return 0;
        }
        @handles(CreateOrder)
        @applies(OrderCreated)
        both() {}
      }
      return Both;
    }).to.throw(DefinitionError, /cannot be both/);
  });

  it("requires appliers, handlers and a codec for snapshotEvery", () => {
    class NoAppliers extends Aggregate<number> {
      static domain = "x";
      createEmptyState() {
        return 0;
      }
      @handles(CreateOrder)
      c() {}
    }
    expect(() => aggregateHandler(NoAppliers)).to.throw(DefinitionError, /NoAppliers: declare how events change state/);
    class NoHandlers extends Aggregate<number> {
      static domain = "x";
      createEmptyState() {
        return 0;
      }
      @applies(OrderCreated)
      a() {}
    }
    expect(() => aggregateHandler(NoHandlers)).to.throw(DefinitionError, /NoHandlers: no @handles/);
    class EveryNoCodec extends Aggregate<number> {
      static domain = "x";
      static snapshotEvery = 10;
      createEmptyState() {
        return 0;
      }
      @handles(CreateOrder)
      c() {}
      @applies(OrderCreated)
      a() {}
    }
    expect(() => aggregateHandler(EveryNoCodec)).to.throw(DefinitionError, /snapshotEvery needs static stateType/);
  });

  it("accepts async handlers returning a Promise of an array", async () => {
    class Async extends Aggregate<number> {
      static domain = "async";
      createEmptyState() {
        return 0;
      }
      @handles(CreateOrder)
      async c(cmd: CreateOrder) {
        await new Promise((r) => setTimeout(r, 1));
        return [event(OrderCreated, { customerId: cmd.customerId }), event(OrderCreated, { customerId: "again" })];
      }
      @applies(OrderCreated)
      a(n: number) {
        return n + 1;
      }
    }
    const c = makeCover({ domain: "async", root: uuidFor("a") });
    const book = eventsOf(
      await aggregateHandler(Async).handle(contextualCommand(undefined, commandBook(c, event(CreateOrder, { customerId: "x" })))),
    );
    expect(book.pages).to.have.length(2);
  });
});

describe("CompensationContext", () => {
  it("reads the refused command and its source sequence", () => {
    const rejectedCommand = commandBook(
      makeCover({ domain: "inventory", root: uuidFor("s") }),
      event(ReserveStock, { orderId: "o", sku: "k", quantity: 1 }),
    );
    rejectedCommand.pages[0]!.header = { sequenceType: { $case: "angzarrDeferred", value: { source: cover, sourceSeq: 5 } } };
    const ctx = CompensationContext.fromNotification({
      cover,
      payload: packAny(RejectionNotification, { rejectedCommand, rejectionReason: "r" }),
      sentAt: undefined,
      metadata: {},
    })!;
    expect(ctx.rejectedDomain).to.equal("inventory");
    expect(ctx.rejectedCommandType).to.equal(ReserveStock.$type);
    expect(ctx.sourceSequence).to.equal(5);
    expect(ctx.correlationId).to.equal("corr-1");
  });
});
