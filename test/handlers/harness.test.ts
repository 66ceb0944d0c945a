import { AssertionError } from "node:assert";
import { describe, it } from "node:test";
import { expect } from "chai";
import { OrderAggregate } from "../../examples/orders/order-aggregate.js";
import { ordersToInventory } from "../../examples/orders/orders-to-inventory.js";
import { ReserveStock, StockReserved } from "../../examples/gen/examples/inventory.js";
import { AddItem, CheckpointTaken, CreateOrder, ItemAdded, OrderCreated, OrderState, ShipOrder } from "../../examples/gen/examples/orders.js";
import { packAny } from "../../src/core/any.js";
import { computeRoot } from "../../src/core/identity.js";
import { Status } from "../../src/errors.js";
import {
  Aggregate,
  ProcessManagerHandlers,
  ProcessManagerRouter,
  StateRouter,
  applies,
  commandBook,
  event,
  handles,
  eventBook,
} from "../../src/handlers/index.js";
import { DEFAULT_TEST_NAMESPACE, TEST_CORRELATION_ID, testCover, uuidBytesFor, uuidFor } from "../../src/testing/builders.js";
import { testAggregate, testProcessManager, testSaga } from "../../src/testing/harness.js";

const created = event(OrderCreated, { customerId: "c-1" });

describe("test builders", () => {
  it("derives the same ids as the other SDKs' uuid_for", () => {
    expect(DEFAULT_TEST_NAMESPACE).to.equal("a1b2c3d4-e5f6-7890-abcd-ef1234567890");
    expect(uuidFor("alice")).to.equal("8e415de5-42f6-5dbc-9369-4846af13f94b");
    expect(uuidFor("order-42")).to.equal("bf1cb62e-c5f3-5fd9-8655-2136859f9b17");
    expect(uuidFor("")).to.equal("3639b375-9779-5616-8e43-a967e6cdf609");
    expect(Buffer.from(uuidBytesFor("alice")).toString("hex")).to.equal("8e415de542f65dbc93694846af13f94b");
  });

  it("builds covers and numbered books", () => {
    const cover = testCover("orders", "o-1");
    expect(cover.correlationId).to.equal(TEST_CORRELATION_ID);
    const book = eventBook(cover, [created, created], { startSequence: 3 });
    expect(book.nextSequence).to.equal(5);
    expect(eventBook(cover, []).nextSequence).to.equal(0);
  });
});

describe("testAggregate", () => {
  it("given events, when a command, expects events and state", async () => {
    const scenario = testAggregate(OrderAggregate)
      .given(created)
      .when(event(AddItem, { sku: "a", quantity: 2 }));
    const outcome = await scenario.expectEvents(event(ItemAdded, { sku: "a", quantity: 2 }));
    expect(outcome.pages[0]?.header?.sequenceType).to.deep.equal({ $case: "sequence", value: 1 });
    await scenario.expectState({ customerId: "c-1", itemCount: 2 });
    await scenario.expectState((state) => expect(state.eventCount).to.equal(2));
  });

  it("fails expectEvents on a different event, type or count", async () => {
    const scenario = testAggregate(OrderAggregate)
      .given(created)
      .when(event(AddItem, { sku: "a", quantity: 2 }));
    await expectAssertion(scenario.expectEvents(event(ItemAdded, { sku: "a", quantity: 3 })), /differs/);
    await expectAssertion(
      scenario.expectEvents(event(CheckpointTaken, { note: "" })),
      /expected examples.orders.CheckpointTaken, got examples.orders.ItemAdded/,
    );
    await expectAssertion(scenario.expectNoEvents(), /expected 0 events, got 1/);
    await expectAssertion(scenario.expectRejection(), /handler succeeded/);
  });

  it("expects rejections by status and message", async () => {
    await testAggregate(OrderAggregate)
      .given(created)
      .when(event(CreateOrder, { customerId: "x" }))
      .expectRejection(Status.FAILED_PRECONDITION, "already exists");
    await testAggregate(OrderAggregate)
      .when(event(ShipOrder, { address: "", carrier: "ups" }))
      .expectRejection(Status.INVALID_ARGUMENT, /missing required field: address/);
    await expectAssertion(
      testAggregate(OrderAggregate)
        .when(event(AddItem, { sku: "a", quantity: 1 }))
        .expectRejection(Status.NOT_FOUND),
      /expected status NOT_FOUND, got FAILED_PRECONDITION/,
    );
  });

  it("reports an unexpected failure instead of accepting it as a rejection", async () => {
    class Broken extends Aggregate<number> {
      static domain = "broken";
      createEmptyState() {
        return 0;
      }
      @handles(CreateOrder)
      c(): never {
        throw new RangeError("boom");
      }
      @applies(OrderCreated)
      a() {}
    }
    await expectAssertion(
      testAggregate(Broken)
        .when(event(CreateOrder, { customerId: "" }))
        .expectRejection(Status.FAILED_PRECONDITION),
      /failed unexpectedly: RangeError: boom/,
    );
    await testAggregate(Broken)
      .when(event(CreateOrder, { customerId: "" }))
      .expectRejection(Status.INTERNAL, "boom");
    const err = await testAggregate(Broken)
      .when(event(CreateOrder, { customerId: "" }))
      .run()
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(RangeError);
  });

  it("starts from a snapshot", async () => {
    await testAggregate(OrderAggregate)
      .givenSnapshot(OrderState.create({ customerId: "snap", itemCount: 4, eventCount: 9 }), 8)
      .given(event(ItemAdded, { sku: "z", quantity: 1 }))
      .when(event(AddItem, { sku: "y", quantity: 1 }))
      .expectState({ customerId: "snap", itemCount: 6, eventCount: 11 });
  });

  it("accepts packed expected events", async () => {
    await testAggregate(OrderAggregate)
      .when(event(CreateOrder, { customerId: "p" }))
      .expectEvents(packAny(OrderCreated, { customerId: "p" }));
  });
});

describe("testSaga and testProcessManager", () => {
  it("expects saga commands with their targets", async () => {
    await testSaga(ordersToInventory)
      .when(created, event(ItemAdded, { sku: "sku-1", quantity: 2 }))
      .expectCommands({
        domain: "inventory",
        root: computeRoot("inventory", "sku-1"),
        command: event(ReserveStock, { orderId: uuidFor("root"), sku: "sku-1", quantity: 2 }),
      });
    await testSaga(ordersToInventory).when(created).expectNoCommands();
    await expectAssertion(
      testSaga(ordersToInventory)
        .when(event(ItemAdded, { sku: "a", quantity: 1 }))
        .expectCommands({ domain: "billing", command: event(ReserveStock, { orderId: uuidFor("root"), sku: "a", quantity: 1 }) }),
      /target domain differs/,
    );
  });

  it("expects process manager events and commands", async () => {
    const pm = new ProcessManagerRouter(
      "flow",
      "flow",
      new StateRouter(() => ({ steps: 0 })).on(CheckpointTaken, (s) => {
        s.steps++;
      }),
    ).domain(
      "inventory",
      new ProcessManagerHandlers<{ steps: number }>().on(StockReserved, (e, state) => ({
        processEvents: event(CheckpointTaken, { note: `after ${state.steps}` }),
        commands: [commandBook({ domain: "orders", root: uuidFor("o") }, event(AddItem, { sku: e.sku, quantity: 0 }))],
      })),
    );
    const scenario = testProcessManager(pm)
      .given(event(CheckpointTaken, { note: "" }))
      .when("inventory", event(StockReserved, { orderId: "", sku: "k", quantity: 1 }));
    await scenario.expectProcessEvents(event(CheckpointTaken, { note: "after 1" }));
    await scenario.expectCommands({ domain: "orders", command: event(AddItem, { sku: "k", quantity: 0 }) });
  });
});

async function expectAssertion(promise: Promise<unknown>, message: RegExp): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, "expected an AssertionError").to.be.instanceOf(AssertionError);
  expect((err as Error).message).to.match(message);
}
