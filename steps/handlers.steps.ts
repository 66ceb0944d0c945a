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
import {
  CascadeErrorMode,
  MergeStrategy,
  Notification,
  RejectionNotification,
  SyncMode,
  type CommandBook,
  type EventPage,
} from "../src/gen/angzarr/types.js";
import type { Any } from "../src/gen/google/protobuf/any.js";
import { codecFor, pack, sampleMessage, shortName } from "./support/messages.js";
import { StateSlot } from "./support/state-slot.js";
import { AngzarrWorld, describeError, pageSequence, pageTypeName } from "./support/world.js";

type State = ReturnType<typeof OrderState.fromPartial>;
interface Call {
  type: string;
  exists: boolean;
  items: number;
}

/** What a rejection handler was told. */
interface RejectionSeen {
  reason: string;
  type: string;
  domain: string;
  sourceSequence: number | undefined;
}

/** The routers under test and what they answered (a failure goes to lastError). */
interface HandlersState {
  router?: CommandRouter<State>;
  /** Calls the command router's handlers recorded. */
  calls: Call[];
  routerResponse?: BusinessResponse;
  rejectionSeen?: RejectionSeen;
  saga?: SagaRouter;
  destinationSequences?: Record<string, number>;
  sagaResponse?: SagaResponse;
  pm?: ProcessManagerRouter<State>;
  pmDomain?: string;
  /** Item counts the process manager's handler saw. */
  pmSeen: number[];
  pmResponse?: ProcessManagerHandleResponse;
}

const HANDLERS = new StateSlot<HandlersState>(() => ({ calls: [], pmSeen: [] }));

function commandRouter(world: AngzarrWorld): CommandRouter<State> {
  const router = world.state(HANDLERS).router;
  if (!router) throw new Error("no CommandRouter was set up by an earlier step");
  return router;
}

const ROOT = "00000000-0000-4000-8000-0000000000aa";

// ---- command router -------------------------------------------------------------------------

Given("an orders CommandRouter whose CreateOrder and AddItem handlers record their calls", function (this: AngzarrWorld) {
  const calls = this.state(HANDLERS).calls;
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
  this.state(HANDLERS).router = router;
});

async function routerHandle(world: AngzarrWorld, commandAny: Any, prior: EventPage[]) {
  const router = commandRouter(world);
  const cover = makeCover({ domain: "orders", root: ROOT });
  world.lastError = undefined;
  try {
    world.state(HANDLERS).routerResponse = await router.handle({
      events: makeEventBook(cover, prior),
      command: {
        cover,
        pages: [
          {
            header: { sequenceType: { $case: "sequence", value: prior.length } },
            mergeStrategy: MergeStrategy.MERGE_COMMUTATIVE,
            payload: { $case: "command", value: commandAny },
          },
        ],
      },
    });
  } catch (err) {
    world.lastError = err;
  }
}

When("the router handles a {string} command with data {string} and no prior events", async function (this: AngzarrWorld, type: string, data: string) {
  const codec = codecFor(type, "orders");
  await routerHandle(this, pack(codec, sampleMessage(codec, data)), []);
});

When("the router handles a {string} command with corrupt bytes", async function (this: AngzarrWorld, type: string) {
  await routerHandle(this, { typeUrl: `type.googleapis.com/${codecFor(type).$type}`, value: Buffer.from([0x0a, 0x7f, 0x61]) }, []);
});

When(
  "the router handles a {string} command after an OrderCreated and {int} ItemAdded events",
  async function (this: AngzarrWorld, type: string, items: number) {
    const prior = [makeEventPage(0, pack(OrderCreated, OrderCreated.fromPartial({ customerId: "c" })))];
    for (let i = 0; i < items; i++) prior.push(makeEventPage(i + 1, pack(ItemAdded, ItemAdded.fromPartial({ sku: `s${i}`, quantity: 1 }))));
    const codec = codecFor(type, "orders");
    await routerHandle(this, pack(codec, sampleMessage(codec)), prior);
  },
);

When("I register a second {string} handler on the router", function (this: AngzarrWorld, type: string) {
  const router = commandRouter(this);
  this.lastError = undefined;
  try {
    router.on(codecFor(type, "orders"), () => undefined);
  } catch (err) {
    this.lastError = err;
  }
});

function routerEvents(world: AngzarrWorld): EventPage[] {
  const error = world.lastError;
  if (error) throw new Error(`the router failed: ${describeError(error)}`);
  const response = world.state(HANDLERS).routerResponse;
  expect(response?.result?.$case).to.equal("events");
  return response?.result?.$case === "events" ? response.result.value.pages : [];
}

Then("only the {string} handler ran", function (this: AngzarrWorld, type: string) {
  expect(this.state(HANDLERS).calls.map((c) => c.type)).to.deep.equal([type]);
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
  const call = this.state(HANDLERS).calls.find((c) => c.type === type);
  expect(call, `${type} was called`).to.not.equal(undefined);
  expect(call!.exists).to.equal(true);
  expect(call!.items).to.equal(items);
});

Then("the router refuses with {word} mentioning {string}", function (this: AngzarrWorld, code: string, text: string) {
  const err = this.lastError;
  expect(err, "the router must refuse").to.not.equal(undefined);
  expect(isClientError(err), String(err)).to.equal(true);
  expect((err as { code?: number }).code).to.equal(Status[code as keyof typeof Status]);
  expect((err as Error).message).to.include(text);
});

Then("the router fails with a decode error naming {string}", function (this: AngzarrWorld, name: string) {
  const err = this.lastError;
  expect(err).to.be.instanceOf(PayloadDecodeError);
  expect((err as Error).message).to.include(name);
});

Then("the registration fails with a definition error", function (this: AngzarrWorld) {
  expect(this.lastError).to.be.instanceOf(DefinitionError);
});

// ---- compensation ---------------------------------------------------------------------------

Given("the router compensates a ReserveStock refused by {string} with an OrderValidated event", function (this: AngzarrWorld, domain: string) {
  const router = commandRouter(this);
  router.onRejected(domain, ReserveStock, (rejection) => {
    this.state(HANDLERS).rejectionSeen = {
      reason: rejection.reason,
      type: rejection.rejectedCommandType,
      domain: rejection.rejectedDomain,
      sourceSequence: rejection.sourceSequence,
    };
    return event(OrderValidated, OrderValidated.fromPartial({ note: `compensated: ${rejection.reason}` }));
  });
});

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
        value: Buffer.from(
          RejectionNotification.encode(RejectionNotification.fromPartial({ rejectedCommand: rejected, rejectionReason: reason })).finish(),
        ),
      },
    });
    await routerHandle(this, { typeUrl: "type.angzarr.io/angzarr.Notification", value: Buffer.from(Notification.encode(notification).finish()) }, []);
  },
);

Then(
  "the rejection handler saw reason {string} for {string} from {string} caused by event {int}",
  function (this: AngzarrWorld, reason: string, type: string, domain: string, sourceSequence: number) {
    expect(this.state(HANDLERS).rejectionSeen).to.deep.equal({ reason, type, domain, sourceSequence });
  },
);

Then("the router hands the rejection back to the framework with a reason mentioning {string}", function (this: AngzarrWorld, text: string) {
  const error = this.lastError;
  if (error) throw new Error(`the router failed: ${describeError(error)}`);
  const response = this.state(HANDLERS).routerResponse;
  expect(response?.result?.$case).to.equal("revocation");
  if (response?.result?.$case !== "revocation") return;
  expect(response.result.value.reason).to.include(text);
  expect(response.result.value.emitSystemRevocation).to.equal(true);
});

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
  this.state(HANDLERS).saga = new SagaRouter("orders-inventory", "orders", handlers);
});

Given("the coordinator reports next sequence {int} for domain {string}", function (this: AngzarrWorld, next: number, domain: string) {
  this.state(HANDLERS).destinationSequences = { [domain]: next };
});

When(
  "the saga handles an {string} book with OrderCreated and items {string} correlated as {string}",
  async function (this: AngzarrWorld, domain: string, skus: string, correlationId: string) {
    const pages = [makeEventPage(0, pack(OrderCreated, OrderCreated.fromPartial({ customerId: "c" })))];
    skus.split(",").forEach((sku, i) => pages.push(makeEventPage(i + 1, pack(ItemAdded, ItemAdded.fromPartial({ sku, quantity: 1 })))));
    const s = this.state(HANDLERS);
    if (!s.saga) throw new Error("no SagaRouter was set up by an earlier step");
    s.sagaResponse = await s.saga.handle({
      source: makeEventBook(makeCover({ domain, root: ROOT, correlationId }), pages),
      syncMode: SyncMode.SYNC_MODE_ASYNC,
      cascadeErrorMode: CascadeErrorMode.CASCADE_ERROR_FAIL_FAST,
      destinationSequences: s.destinationSequences ?? {},
    });
  },
);

When("I define a saga whose handler declares no event types", function (this: AngzarrWorld) {
  this.lastError = undefined;
  try {
    new SagaRouter("empty", "orders", new SagaHandlers());
  } catch (err) {
    this.lastError = err;
  }
});

function sagaCommands(world: AngzarrWorld): CommandBook[] {
  const response = world.state(HANDLERS).sagaResponse;
  if (!response) throw new Error("the saga answered nothing");
  return response.commands;
}

Then("the saga emits {int} {string} commands for domain {string}", function (this: AngzarrWorld, count: number, type: string, domain: string) {
  const commands = sagaCommands(this);
  expect(commands).to.have.length(count);
  for (const c of commands) {
    expect(c.cover?.domain).to.equal(domain);
    const payload = c.pages[0]!.payload;
    expect(payload?.$case === "command" ? shortName(payload.value.typeUrl) : undefined).to.equal(type);
  }
});

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

Given("a {string} ProcessManagerRouter that counts items from orders and reserves stock for each", function (this: AngzarrWorld, pmDomain: string) {
  const seen = this.state(HANDLERS).pmSeen;
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
  const s = this.state(HANDLERS);
  s.pm = new ProcessManagerRouter(pmDomain, pmDomain, state).domain("orders", fromOrders);
  s.pmDomain = pmDomain;
});

When(
  /^the process manager handles an? "([^"]+)" trigger ending in ItemAdded "([^"]+)" correlated as "([^"]*)" with (no|\d+) prior process events$/,
  async function (this: AngzarrWorld, domain: string, sku: string, correlationId: string, prior: string) {
    const s = this.state(HANDLERS);
    if (!s.pm || s.pmDomain === undefined) throw new Error("no ProcessManagerRouter was set up by an earlier step");
    const trigger = makeEventBook(makeCover({ domain, root: ROOT, correlationId }), [
      makeEventPage(0, pack(OrderCreated, OrderCreated.fromPartial({ customerId: "c" }))),
      makeEventPage(1, pack(ItemAdded, ItemAdded.fromPartial({ sku, quantity: 1 }))),
    ]);
    const count = prior === "no" ? 0 : Number(prior);
    const pmCover = makeCover({ domain: s.pmDomain, root: "00000000-0000-4000-8000-0000000000bb", correlationId });
    const processState =
      count === 0
        ? undefined
        : makeEventBook(
            pmCover,
            Array.from({ length: count }, (_, i) => makeEventPage(i, pack(ItemAdded, ItemAdded.fromPartial({ sku: `old-${i}`, quantity: 1 })))),
          );
    s.pmResponse = await s.pm.handle({ trigger, processState, destinationSequences: {} });
  },
);

function pmResponse(world: AngzarrWorld): ProcessManagerHandleResponse {
  const response = world.state(HANDLERS).pmResponse;
  if (!response) throw new Error("the process manager answered nothing");
  return response;
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
  expect(this.state(HANDLERS).pmSeen).to.deep.equal([items]);
});
