/**
 * Steps of router.feature, sagas.feature and process_managers.feature: the SDK's CommandRouter and SagaRouter,
 * driven with real protobuf requests (the shapes the coordinator sends).
 */
import { Given, Then, When } from "@cucumber/cucumber";
import { expect } from "chai";
import { computeRoot, makeCover, makeEventBook, makeEventPage, PayloadDecodeError } from "../src/core/index.js";
import { CommandRejectedError, isClientError, Status } from "../src/errors.js";
import { CommandRouter } from "../src/handlers/command-router.js";
import { StateRouter } from "../src/handlers/state-router.js";
import { SagaHandlers, SagaRouter } from "../src/handlers/saga-router.js";
import { ProcessManagerHandlers, ProcessManagerRouter } from "../src/handlers/process-manager-router.js";
import type { ProcessManagerHandleResponse } from "../src/gen/angzarr/process_manager.js";
import { DefinitionError } from "../src/handlers/errors.js";
import { event } from "../src/handlers/events.js";
import { commandBook } from "../src/handlers/outbound.js";
import { AddItem, CreateOrder, ItemAdded, OrderCreated, OrderState, OrderValidated } from "../examples/gen/examples/orders.js";
import { ReserveStock } from "../examples/gen/examples/inventory.js";
import type { BusinessResponse } from "../src/gen/angzarr/command_handler.js";
import type { SagaResponse } from "../src/gen/angzarr/saga.js";
import { MergeStrategy, Notification, RejectionNotification, type CommandBook, type EventPage } from "../src/gen/angzarr/types.js";
import { codecFor, pack, sampleMessage, shortName } from "./support/messages.js";
import { AngzarrWorld, describeError, pageSequence, pageTypeName } from "./support/world.js";

type State = ReturnType<typeof OrderState.fromPartial>;
interface Call {
  type: string;
  exists: boolean;
  items: number;
}

const ROOT = "00000000-0000-4000-8000-0000000000aa";

// ---- command router -------------------------------------------------------------------------

Given("an orders CommandRouter whose CreateOrder and AddItem handlers record their calls", function (this: AngzarrWorld) {
  const calls: Call[] = [];
  const state = new StateRouter<State>(() => OrderState.fromPartial({}))
    .on(OrderCreated, (s, e) => {
      s.customerId = e.customerId;
    })
    .on(ItemAdded, (s, e) => {
      s.itemCount += e.quantity;
    })
    .withSnapshot(OrderState);
  const router = new CommandRouter("orders", state)
    .on(CreateOrder, (cmd: ReturnType<typeof CreateOrder.fromPartial>, s: State, ctx) => {
      calls.push({ type: "CreateOrder", exists: ctx.exists, items: s.itemCount });
      if (cmd.customerId === "silent") return undefined;
      return event(OrderCreated, OrderCreated.fromPartial({ customerId: cmd.customerId }));
    })
    .on(AddItem, (cmd: ReturnType<typeof AddItem.fromPartial>, s: State, ctx) => {
      calls.push({ type: "AddItem", exists: ctx.exists, items: s.itemCount });
      if (!ctx.exists) throw CommandRejectedError.preconditionFailed("no order to add an item to");
      return event(ItemAdded, ItemAdded.fromPartial({ sku: cmd.sku, quantity: cmd.quantity }));
    });
  this.notes.set("router", router);
  this.notes.set("calls", calls);
});

async function routerHandle(world: AngzarrWorld, commandAny: { typeUrl: string; value: Uint8Array }, prior: EventPage[]) {
  const router = world.notes.get("router") as CommandRouter<State>;
  const cover = makeCover({ domain: "orders", root: ROOT });
  try {
    world.notes.set(
      "routerResponse",
      await router.handle({
        events: makeEventBook(cover, prior),
        command: { cover, pages: [{ header: { sequenceType: { $case: "sequence", value: prior.length } }, mergeStrategy: MergeStrategy.MERGE_COMMUTATIVE, payload: { $case: "command", value: commandAny as never } }] },
      }),
    );
  } catch (err) {
    world.notes.set("routerError", err);
  }
}

When(
  "the router handles a {string} command with data {string} and no prior events",
  async function (this: AngzarrWorld, type: string, data: string) {
    const codec = codecFor(type, "orders");
    await routerHandle(this, pack(codec, sampleMessage(codec, data)), []);
  },
);

When("the router handles a {string} command with corrupt bytes", async function (this: AngzarrWorld, type: string) {
  await routerHandle(this, { typeUrl: `type.googleapis.com/${codecFor(type).$type}`, value: Buffer.from([0x0a, 0x7f, 0x61]) }, []);
});

When(
  "the router handles a {string} command after an OrderCreated and {int} ItemAdded events",
  async function (this: AngzarrWorld, type: string, items: number) {
    const prior = [makeEventPage(0, pack(OrderCreated as never, OrderCreated.fromPartial({ customerId: "c" })))];
    for (let i = 0; i < items; i++) prior.push(makeEventPage(i + 1, pack(ItemAdded as never, ItemAdded.fromPartial({ sku: `s${i}`, quantity: 1 }))));
    const codec = codecFor(type, "orders");
    await routerHandle(this, pack(codec, sampleMessage(codec)), prior);
  },
);

When("I register a second {string} handler on the router", function (this: AngzarrWorld, type: string) {
  const router = this.notes.get("router") as CommandRouter<State>;
  try {
    router.on(codecFor(type, "orders") as never, () => undefined);
  } catch (err) {
    this.notes.set("definitionError", err);
  }
});

function routerEvents(world: AngzarrWorld): EventPage[] {
  const error = world.notes.get("routerError");
  if (error) throw new Error(`the router failed: ${describeError(error)}`);
  const response = world.notes.get("routerResponse") as BusinessResponse;
  expect(response.result?.$case).to.equal("events");
  return response.result?.$case === "events" ? response.result.value.pages : [];
}

Then("only the {string} handler ran", function (this: AngzarrWorld, type: string) {
  expect((this.notes.get("calls") as Call[]).map((c) => c.type)).to.deep.equal([type]);
});

Then(
  "the router answers {int} event(s) of type {string} at sequence {int}",
  function (this: AngzarrWorld, count: number, type: string, sequence: number) {
    const pages = routerEvents(this);
    expect(pages).to.have.length(count);
    expect(shortName(pageTypeName(pages[0]!))).to.equal(type);
    expect(pageSequence(pages[0]!)).to.equal(sequence);
  },
);

Then("the router answers no events", function (this: AngzarrWorld) {
  expect(routerEvents(this)).to.have.length(0);
});

Then("the {string} handler saw an existing order with {int} items", function (this: AngzarrWorld, type: string, items: number) {
  const call = (this.notes.get("calls") as Call[]).find((c) => c.type === type);
  expect(call, `${type} was called`).to.not.equal(undefined);
  expect(call!.exists).to.equal(true);
  expect(call!.items).to.equal(items);
});

Then("the router refuses with {word} mentioning {string}", function (this: AngzarrWorld, code: string, text: string) {
  const err = this.notes.get("routerError");
  expect(err, "the router must refuse").to.not.equal(undefined);
  expect(isClientError(err), String(err)).to.equal(true);
  expect((err as { code?: number }).code).to.equal(Status[code as keyof typeof Status]);
  expect((err as Error).message).to.include(text);
});

Then("the router fails with a decode error naming {string}", function (this: AngzarrWorld, name: string) {
  const err = this.notes.get("routerError");
  expect(err).to.be.instanceOf(PayloadDecodeError);
  expect((err as Error).message).to.include(name);
});

Then("the registration fails with a definition error", function (this: AngzarrWorld) {
  expect(this.notes.get("definitionError")).to.be.instanceOf(DefinitionError);
});

// ---- compensation ---------------------------------------------------------------------------

Given(
  "the router compensates a ReserveStock refused by {string} with an OrderValidated event",
  function (this: AngzarrWorld, domain: string) {
    const router = this.notes.get("router") as CommandRouter<State>;
    router.onRejected(domain, ReserveStock, (rejection) => {
      this.notes.set("rejectionSeen", {
        reason: rejection.reason,
        type: rejection.rejectedCommandType,
        domain: rejection.rejectedDomain,
        sourceSequence: rejection.sourceSequence,
      });
      return event(OrderValidated, OrderValidated.fromPartial({ note: `compensated: ${rejection.reason}` }));
    });
  },
);

When(
  "the router receives a notification that {string} refused {string} caused by its event {int} because {string}",
  async function (this: AngzarrWorld, domain: string, type: string, sourceSeq: number, reason: string) {
    const codec = codecFor(type, domain);
    const source = makeCover({ domain: "orders", root: ROOT, correlationId: "flow-c" });
    const rejected: CommandBook = {
      cover: makeCover({ domain, root: computeRoot(domain, "x"), correlationId: "flow-c" }),
      pages: [
        {
          header: { sequenceType: { $case: "angzarrDeferred", value: { source, sourceSeq } } },
          mergeStrategy: MergeStrategy.MERGE_COMMUTATIVE,
          payload: { $case: "command", value: pack(codec, sampleMessage(codec)) },
        },
      ],
    };
    const notification = Notification.fromPartial({
      cover: source,
      payload: {
        typeUrl: "type.angzarr.io/angzarr.RejectionNotification",
        value: Buffer.from(RejectionNotification.encode(RejectionNotification.fromPartial({ rejectedCommand: rejected, rejectionReason: reason })).finish()),
      },
    });
    await routerHandle(this, { typeUrl: "type.angzarr.io/angzarr.Notification", value: Buffer.from(Notification.encode(notification).finish()) }, []);
  },
);

Then(
  "the rejection handler saw reason {string} for {string} from {string} caused by event {int}",
  function (this: AngzarrWorld, reason: string, type: string, domain: string, sourceSequence: number) {
    expect(this.notes.get("rejectionSeen")).to.deep.equal({ reason, type, domain, sourceSequence });
  },
);

Then(
  "the router hands the rejection back to the framework with a reason mentioning {string}",
  function (this: AngzarrWorld, text: string) {
    const error = this.notes.get("routerError");
    if (error) throw new Error(`the router failed: ${describeError(error)}`);
    const response = this.notes.get("routerResponse") as BusinessResponse;
    expect(response.result?.$case).to.equal("revocation");
    if (response.result?.$case !== "revocation") return;
    expect(response.result.value.reason).to.include(text);
    expect(response.result.value.emitSystemRevocation).to.equal(true);
  },
);

// ---- sagas ----------------------------------------------------------------------------------

Given("an orders-to-inventory SagaRouter that reserves stock for every ItemAdded", function (this: AngzarrWorld) {
  const handlers = new SagaHandlers().on(ItemAdded, (e, ctx) => {
    let command: CommandBook = commandBook(
      { domain: "inventory", root: computeRoot("inventory", e.sku) },
      event(ReserveStock, ReserveStock.fromPartial({ orderId: ctx.sourceRoot ?? "", sku: e.sku, quantity: e.quantity })),
    );
    if (ctx.destinations.has("inventory")) command = ctx.destinations.stampCommand(command);
    return { commands: [command] };
  });
  this.notes.set("saga", new SagaRouter("orders-inventory", "orders", handlers));
});

Given("the coordinator reports next sequence {int} for domain {string}", function (this: AngzarrWorld, next: number, domain: string) {
  this.notes.set("destinationSequences", { [domain]: next });
});

When(
  "the saga handles an {string} book with OrderCreated and items {string} correlated as {string}",
  async function (this: AngzarrWorld, domain: string, skus: string, correlationId: string) {
    const pages = [makeEventPage(0, pack(OrderCreated as never, OrderCreated.fromPartial({ customerId: "c" })))];
    skus.split(",").forEach((sku, i) => pages.push(makeEventPage(i + 1, pack(ItemAdded as never, ItemAdded.fromPartial({ sku, quantity: 1 })))));
    const saga = this.notes.get("saga") as SagaRouter;
    this.notes.set(
      "sagaResponse",
      await saga.handle({
        source: makeEventBook(makeCover({ domain, root: ROOT, correlationId }), pages),
        syncMode: 0,
        cascadeErrorMode: 0,
        destinationSequences: (this.notes.get("destinationSequences") as Record<string, number> | undefined) ?? {},
      }),
    );
  },
);

When("I define a saga whose handler declares no event types", function (this: AngzarrWorld) {
  try {
    new SagaRouter("empty", "orders", new SagaHandlers());
  } catch (err) {
    this.notes.set("definitionError", err);
  }
});

function sagaCommands(world: AngzarrWorld): CommandBook[] {
  return (world.notes.get("sagaResponse") as SagaResponse).commands;
}

Then(
  "the saga emits {int} {string} commands for domain {string}",
  function (this: AngzarrWorld, count: number, type: string, domain: string) {
    const commands = sagaCommands(this);
    expect(commands).to.have.length(count);
    for (const c of commands) {
      expect(c.cover?.domain).to.equal(domain);
      const payload = c.pages[0]!.payload;
      expect(payload?.$case === "command" ? shortName(payload.value.typeUrl) : undefined).to.equal(type);
    }
  },
);

Then("the commands name the source events at sequences {int} and {int}", function (this: AngzarrWorld, a: number, b: number) {
  const seqs = sagaCommands(this).map((c) => {
    const header = c.pages[0]!.header?.sequenceType;
    expect(header?.$case).to.equal("angzarrDeferred");
    if (header?.$case !== "angzarrDeferred") return -1;
    expect(header.value.source?.domain).to.equal("orders");
    return header.value.sourceSeq;
  });
  expect(seqs).to.deep.equal([a, b]);
});

Then("every command carries correlation ID {string}", function (this: AngzarrWorld, id: string) {
  for (const c of sagaCommands(this)) expect(c.cover?.correlationId).to.equal(id);
});

Then("the saga's command expects sequence {int}", function (this: AngzarrWorld, sequence: number) {
  const commands = sagaCommands(this);
  expect(commands).to.have.length(1);
  expect(commands[0]!.pages[0]!.header?.sequenceType).to.deep.equal({ $case: "sequence", value: sequence });
});

// ---- process managers -----------------------------------------------------------------------

Given(
  "a {string} ProcessManagerRouter that counts items from orders and reserves stock for each",
  function (this: AngzarrWorld, pmDomain: string) {
    const seen: number[] = [];
    const state = new StateRouter<State>(() => OrderState.fromPartial({})).on(ItemAdded, (s, e) => {
      s.itemCount += e.quantity;
    });
    const fromOrders = new ProcessManagerHandlers<State>().on(ItemAdded, (item, s) => {
      seen.push(s.itemCount);
      return {
        processEvents: event(ItemAdded, ItemAdded.fromPartial({ sku: item.sku, quantity: item.quantity })),
        commands: [
          commandBook(
            { domain: "inventory", root: computeRoot("inventory", item.sku) },
            event(ReserveStock, ReserveStock.fromPartial({ sku: item.sku, quantity: item.quantity })),
          ),
        ],
      };
    });
    this.notes.set("pm", new ProcessManagerRouter(pmDomain, pmDomain, state).domain("orders", fromOrders));
    this.notes.set("pmSeen", seen);
    this.notes.set("pmDomain", pmDomain);
  },
);

When(
  /^the process manager handles an? "([^"]+)" trigger ending in ItemAdded "([^"]+)" correlated as "([^"]*)" with (no|\d+) prior process events$/,
  async function (this: AngzarrWorld, domain: string, sku: string, correlationId: string, prior: string) {
    const pm = this.notes.get("pm") as ProcessManagerRouter<State>;
    const trigger = makeEventBook(makeCover({ domain, root: ROOT, correlationId }), [
      makeEventPage(0, pack(OrderCreated as never, OrderCreated.fromPartial({ customerId: "c" }))),
      makeEventPage(1, pack(ItemAdded as never, ItemAdded.fromPartial({ sku, quantity: 1 }))),
    ]);
    const count = prior === "no" ? 0 : Number(prior);
    const pmCover = makeCover({ domain: this.notes.get("pmDomain") as string, root: "00000000-0000-4000-8000-0000000000bb", correlationId });
    const processState =
      count === 0
        ? undefined
        : makeEventBook(
            pmCover,
            Array.from({ length: count }, (_, i) => makeEventPage(i, pack(ItemAdded as never, ItemAdded.fromPartial({ sku: `old-${i}`, quantity: 1 })))),
          );
    this.notes.set("pmResponse", await pm.handle({ trigger, processState, destinationSequences: {} }));
  },
);

function pmResponse(world: AngzarrWorld): ProcessManagerHandleResponse {
  return world.notes.get("pmResponse") as ProcessManagerHandleResponse;
}

Then(
  "the process manager emits {int} {string} command(s) for domain {string}",
  function (this: AngzarrWorld, count: number, type: string, domain: string) {
    const commands = pmResponse(this).commands;
    expect(commands).to.have.length(count);
    for (const c of commands) {
      expect(c.cover?.domain).to.equal(domain);
      const payload = c.pages[0]!.payload;
      expect(payload?.$case === "command" ? shortName(payload.value.typeUrl) : undefined).to.equal(type);
    }
  },
);

Then("every process manager command carries correlation ID {string}", function (this: AngzarrWorld, id: string) {
  for (const c of pmResponse(this).commands) expect(c.cover?.correlationId).to.equal(id);
});

Then("the process manager records {int} event at sequence {int}", function (this: AngzarrWorld, count: number, sequence: number) {
  const pages = pmResponse(this).processEvents?.pages ?? [];
  expect(pages).to.have.length(count);
  expect(pageSequence(pages[0]!)).to.equal(sequence);
});

Then("the process manager records no events", function (this: AngzarrWorld) {
  expect(pmResponse(this).processEvents?.pages ?? []).to.have.length(0);
});

Then("the process manager handler saw {int} items counted", function (this: AngzarrWorld, items: number) {
  expect(this.notes.get("pmSeen")).to.deep.equal([items]);
});
