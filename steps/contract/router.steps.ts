/**
 * Steps of the shared router.feature phrasings (engineer A's share), driving the SDK's routers
 * in-process (see support/a-router.ts). Two phrasings need the coordinator and use it over gRPC:
 * the sequence check ("an aggregate at sequence N" / "a command at sequence M": the check is the
 * coordinator's, COORDINATOR.md §5.1, done before any handler runs) and the saga's destination
 * fetch (the inventory aggregate's next sequence, read with a QueryClient, as the coordinator does
 * before calling a saga). The rejection steps reuse the compensation helpers.
 *
 * Idiom mapping: "raise"/"return an error" is a thrown error (a rejected promise) in TypeScript;
 * "saga_origin" is the command page's angzarr_deferred{source, source_seq} header in 0.5.1.
 */
import { Given, Then, When } from "@cucumber/cucumber";
import { expect } from "chai";
import { computeRoot, coverRoot, makeEventBook, PayloadDecodeError, typeNameFromUrl } from "../../src/core/index.js";
import { CommandRejectedError, isClientError, Status } from "../../src/errors.js";
import { CompensationContext } from "../../src/handlers/compensation.js";
import { ItemAdded, OrderShipped, OrderState, OrderSummary } from "../../examples/gen/examples/orders.js";
import { ReserveStock } from "../../examples/gen/examples/inventory.js";
import { SnapshotRetention, type CommandBook, type EventPage } from "../../src/gen/angzarr/types.js";
import { AngzarrWorld, describeError } from "../support/world.js";
import { codecFor, sampleMessage } from "../support/messages.js";
import {
  aggregateRouter,
  commandAny,
  domainOf,
  existingOrder,
  handleCommand,
  handlePm,
  handleSaga,
  orderState,
  packOf,
  page,
  pmRouter,
  project,
  projectorRouter,
  sagaRouter,
  ROUTER_ROOT,
  ROUTER_SCENARIO,
  type RouterScenario,
} from "./support/a-router.js";
import { comp, compensateInProcess, rejectCommand } from "./support/a-compensation.js";
import { StateSlot } from "../support/state-slot.js";

/** What only these steps keep, beside the routers of {@link RouterScenario}. */
interface RouterStepsState {
  rejectionResult?: Awaited<ReturnType<typeof compensateInProcess>>;
  /** The correlation ID the flow under test uses. */
  correlation?: string;
  /** The destination's next sequence the coordinator would fetch before calling the saga. */
  fetched?: { domain: string; sequence: number };
  /** How many events the projector was given in one batch. */
  batch?: number;
  /** Type names registered on the router, in order. */
  registered: string[];
}

const ROUTER_STEPS = new StateSlot<RouterStepsState>(() => ({ registered: [] }));

function rs(world: AngzarrWorld): RouterScenario {
  return world.state(ROUTER_SCENARIO);
}

function handlers(rsc: RouterScenario, name: string) {
  return rsc.calls.filter((c) => c.handler === name);
}

// ---- Given: aggregate ----------------------------------------------------------------------

Given("an aggregate router", function (this: AngzarrWorld) {
  aggregateRouter(rs(this));
});

Given("an aggregate router with handlers for {string}", function (this: AngzarrWorld, a: string) {
  aggregateRouter(rs(this), [a]);
});

Given("an aggregate router with handlers for {string} and {string}", function (this: AngzarrWorld, a: string, b: string) {
  aggregateRouter(rs(this), [a, b]);
});

Given("an aggregate with existing events", function (this: AngzarrWorld) {
  rs(this).prior = existingOrder();
});

Given("an aggregate handler", function (this: AngzarrWorld) {
  const s = rs(this);
  aggregateRouter(s);
  s.prior = existingOrder();
});

Given("an aggregate handler with validation", function (this: AngzarrWorld) {
  const s = rs(this);
  aggregateRouter(s);
  s.prior = existingOrder();
});

Given("an aggregate with guard checking aggregate exists", function (this: AngzarrWorld) {
  const s = rs(this);
  aggregateRouter(s);
  s.prior = [];
});

Given("an aggregate at sequence {int}", async function (this: AngzarrWorld, sequence: number) {
  // A real orders aggregate on the coordinator with `sequence` events (next sequence = N).
  const { root } = this.newAggregate("orders");
  await this.seedCount("orders", root, sequence);
  expect(await this.currentSequence("orders", root)).to.equal(sequence);
});

// ---- When: aggregate -----------------------------------------------------------------------

When("I receive a {string} command", async function (this: AngzarrWorld, type: string) {
  await handleCommand(this, commandAny(type));
});

When("I receive an {string} command", async function (this: AngzarrWorld, type: string) {
  await handleCommand(this, commandAny(type));
});

When("I receive a command for that aggregate", async function (this: AngzarrWorld) {
  const s = rs(this);
  const first = s.aggregate!.commandTypes()[0]!;
  await handleCommand(this, commandAny(first.slice(first.lastIndexOf(".") + 1)));
});

When("I receive a command at sequence {int}", async function (this: AngzarrWorld, sequence: number) {
  const { domain, root } = this.requireCurrent();
  const command = this.commandFor(domain, { sequence });
  command.root = root;
  await this.send(command);
});

When("a handler emits {int} events", async function (this: AngzarrWorld, count: number) {
  const s = rs(this);
  s.emitCount = count;
  s.prior = existingOrder();
  await handleCommand(this, commandAny("ProcessOrder"));
});

When("a handler returns an error", async function (this: AngzarrWorld) {
  const s = rs(this);
  s.prior = existingOrder();
  await handleCommand(this, commandAny("FailWith", { code: 14, message: "timeout talking to the gateway" }));
});

When("state building fails", async function (this: AngzarrWorld) {
  // A prior ItemAdded whose bytes do not decode: the StateRouter cannot rebuild the state.
  const s = rs(this);
  s.prior = [
    existingOrder()[0]!,
    {
      ...page(1, ItemAdded, ItemAdded.fromPartial({})),
      payload: { $case: "event", value: { typeUrl: `type.googleapis.com/${ItemAdded.$type}`, value: Buffer.from([0x0a, 0x7f, 0x61]) } },
    },
  ];
  await handleCommand(this, commandAny("AddItem"));
});

When("I send command to non-existent aggregate", async function (this: AngzarrWorld) {
  await handleCommand(this, commandAny("ShipOrder", { address: "1 Main St", carrier: "rail" }));
});

When("I send command with invalid data", async function (this: AngzarrWorld) {
  await handleCommand(this, commandAny("ShipOrder", { address: "", carrier: "rail" }));
});

When("guard and validate pass", async function (this: AngzarrWorld) {
  await handleCommand(this, commandAny("ShipOrder", { address: "1 Main St", carrier: "rail" }));
});

// ---- Then: aggregate -----------------------------------------------------------------------

function responsePages(world: AngzarrWorld): EventPage[] {
  const s = rs(world);
  if (world.lastError !== undefined) throw new Error(`the router failed: ${describeError(world.lastError)}`);
  expect(s.response?.result?.$case).to.equal("events");
  return s.response?.result?.$case === "events" ? s.response.result.value.pages : [];
}

Then("the {word} handler should be invoked", function (this: AngzarrWorld, name: string) {
  expect(handlers(rs(this), name), `${name} calls`).to.have.length.greaterThan(0);
});

Then("the {word} handler should NOT be invoked", function (this: AngzarrWorld, name: string) {
  expect(handlers(rs(this), name), `${name} calls`).to.have.length(0);
});

Then("the router should load the EventBook first", function (this: AngzarrWorld) {
  const s = rs(this);
  const call = s.calls[0]!;
  expect(call.priorPages).to.equal(s.prior.length);
  expect(call.nextSequence).to.equal(s.prior.length);
  expect(responsePages(this).map((p) => p.header?.sequenceType)).to.deep.equal([{ $case: "sequence", value: s.prior.length }]);
});

Then("the handler should receive the reconstructed state", function (this: AngzarrWorld) {
  const call = rs(this).calls[0]!;
  expect(call.exists).to.equal(true);
  expect(call.items).to.equal(2);
});

Then("the router should reject with sequence mismatch", function (this: AngzarrWorld) {
  const err = this.requireError();
  expect(err.code).to.equal(Status.FAILED_PRECONDITION);
  expect(err.message).to.match(/sequence mismatch/i);
});

Then("no handler should be invoked", async function (this: AngzarrWorld) {
  const s = rs(this);
  if (this.lastCommand === undefined) {
    // In-process: the router was asked and answered with an error, and no handler recorded a call.
    expect(this.lastError, "the router refused").to.not.equal(undefined);
    expect(s.calls).to.have.length(0);
    return;
  }
  // Through the coordinator: its sequence pre-check refuses before the business is called
  // (COORDINATOR.md §5.1), so no event was stored: the aggregate holds exactly its seeded events.
  expect(this.lastCommandSucceeded).to.equal(false);
  const { domain, root } = this.requireCurrent();
  const book = await this.readBook(domain, root);
  expect(book.pages).to.have.length(this.seededEvents(root).length);
});

Then("the router should return those events", function (this: AngzarrWorld) {
  const s = rs(this);
  const pages = responsePages(this);
  expect(pages).to.have.length(s.emitCount);
  for (const [i, p] of pages.entries()) {
    const any = p.payload?.$case === "event" ? p.payload.value : undefined;
    expect(typeNameFromUrl(any!.typeUrl)).to.equal(ItemAdded.$type);
    expect(ItemAdded.decode(any!.value).sku).to.equal(`batch-${i}`);
  }
});

Then("the events should have correct sequences", function (this: AngzarrWorld) {
  const s = rs(this);
  const seqs = responsePages(this).map((p) => (p.header?.sequenceType?.$case === "sequence" ? p.header.sequenceType.value : -1));
  expect(seqs).to.deep.equal(Array.from({ length: s.emitCount }, (_, i) => s.prior.length + i));
});

Then("the error should indicate unknown command type", function (this: AngzarrWorld) {
  const err = this.lastError;
  expect(isClientError(err), String(err)).to.equal(true);
  expect((err as { code?: number }).code).to.equal(Status.INVALID_ARGUMENT);
  expect((err as Error).message).to.match(/unknown command type/i);
});

Then("the router should propagate the error", function (this: AngzarrWorld) {
  const err = this.lastError as Error;
  expect(err, "the handler's error").to.be.instanceOf(Error);
  expect(err.message).to.equal("payment gateway unavailable: timeout talking to the gateway");
});

Then("no events should be emitted", function (this: AngzarrWorld) {
  const s = rs(this);
  expect(s.response, "no response carrying events").to.equal(undefined);
  expect(this.lastError).to.not.equal(undefined);
});

Then("no event should be emitted", function (this: AngzarrWorld) {
  const s = rs(this);
  expect(s.response, "no response carrying events").to.equal(undefined);
  expect(handlers(s, "compute")).to.have.length(0);
});

Then("the router should return an error", function (this: AngzarrWorld) {
  const err = this.lastError;
  expect(err, "an error").to.be.instanceOf(Error);
  expect(rs(this).response).to.equal(undefined);
});

Then("guard should reject", function (this: AngzarrWorld) {
  const s = rs(this);
  expect(this.lastError).to.be.instanceOf(CommandRejectedError);
  expect((this.lastError as CommandRejectedError).code).to.equal(Status.FAILED_PRECONDITION);
  expect(handlers(s, "guard")).to.have.length(1);
  expect(handlers(s, "validate")).to.have.length(0);
});

Then("validate should reject", function (this: AngzarrWorld) {
  const s = rs(this);
  expect(this.lastError).to.be.instanceOf(CommandRejectedError);
  expect((this.lastError as CommandRejectedError).code).to.equal(Status.INVALID_ARGUMENT);
  expect(handlers(s, "validate")).to.have.length(1);
  expect(handlers(s, "compute")).to.have.length(0);
});

Then("rejection reason should describe the issue", function (this: AngzarrWorld) {
  expect((this.lastError as Error).message).to.equal("invalid ShipOrder: address is required");
});

Then("compute should produce events", function (this: AngzarrWorld) {
  const s = rs(this);
  expect(handlers(s, "compute")).to.have.length(1);
  const pages = responsePages(this);
  expect(pages).to.have.length(1);
  expect(pages[0]!.payload?.$case === "event" ? typeNameFromUrl(pages[0]!.payload.value.typeUrl) : "").to.equal(OrderShipped.$type);
});

Then("events should reflect the state change", function (this: AngzarrWorld) {
  const s = rs(this);
  const pages = responsePages(this);
  const shipped = OrderShipped.decode(pages[0]!.payload?.$case === "event" ? pages[0]!.payload.value.value : new Uint8Array());
  expect({ address: shipped.address, carrier: shipped.carrier }).to.deep.equal({ address: "1 Main St", carrier: "rail" });
  const before = s.aggregate!.rebuildState(makeEventBook(orderCoverFor(), s.prior));
  const after = s.aggregate!.rebuildState(makeEventBook(orderCoverFor(), [...s.prior, ...pages]));
  expect(before.shipped).to.equal(false);
  expect(after.shipped).to.equal(true);
});

function orderCoverFor() {
  return { domain: "orders", root: ROUTER_ROOT };
}

// ---- saga ----------------------------------------------------------------------------------

Given("a saga router", function (this: AngzarrWorld) {
  sagaRouter(rs(this));
});

Given("a saga router with handlers for {string} and {string}", function (this: AngzarrWorld, a: string, b: string) {
  sagaRouter(rs(this), [a, b]);
});

Given("a saga router with a rejected command", async function (this: AngzarrWorld) {
  // A command of the SDK saga, refused by the inventory router (see the compensation helpers).
  await rejectCommand(comp(this));
});

When("the router processes the rejection", async function (this: AngzarrWorld) {
  // In 0.5.1 the rejection goes back, as a Notification, to the aggregate whose event caused
  // the command: its router (an SDK CommandRouter with onRejected) processes it.
  const result = await compensateInProcess(comp(this));
  this.state(ROUTER_STEPS).rejectionResult = result;
});

Then("the router should build compensation context", function (this: AngzarrWorld) {
  const result = this.state(ROUTER_STEPS).rejectionResult;
  if (!result) throw new Error("the router processed no rejection");
  const { context, response } = result;
  const s = comp(this);
  expect(response.result?.$case).to.equal("events");
  expect(context).to.be.instanceOf(CompensationContext);
  expect(context!.reason).to.equal(s.reason);
  expect(context!.rejectedCommandType).to.equal(ReserveStock.$type);
  expect(context!.sourceSequence).to.equal(s.sourceSeq);
});

// "the router should emit rejection notification": defined with compensation.feature's wording
// in compensation.steps.ts.

function eventPage(seq: number, name: string, data?: Record<string, unknown>): EventPage {
  const codec = codecFor(name);
  return page(seq, codec, data ? codec.fromPartial(data) : sampleMessage(codec, `data-${name}`));
}

When("I receive an {string} event", async function (this: AngzarrWorld, name: string) {
  const s = rs(this);
  if (s.kind === "saga") return handleSaga(this, [eventPage(0, name)], `corr-${this.nonce}`);
  if (s.kind === "projector") return project(this, [eventPage(0, name)]);
  if (s.kind === "pm") {
    await handlePm(s, domainOf(name), [eventPage(0, name)], `corr-${this.nonce}`);
    return;
  }
  throw new Error("no saga, projector or process manager router was set up");
});

When("a handler produces a command", async function (this: AngzarrWorld) {
  const s = rs(this);
  const correlationId = `flow-${this.nonce}`;
  this.state(ROUTER_STEPS).correlation = correlationId;
  const item = eventPage(4, "ItemAdded", { sku: "sku-7", quantity: 2 });
  if (s.kind === "pm") {
    await handlePm(s, "orders", [item], correlationId);
    return;
  }
  await handleSaga(this, [item], correlationId);
});

function emittedCommands(world: AngzarrWorld): CommandBook[] {
  const s = rs(world);
  if (world.lastError !== undefined) throw new Error(`the router failed: ${describeError(world.lastError)}`);
  if (s.kind === "pm") return s.pmResponses.at(-1)!.commands;
  return s.sagaResponse!.commands;
}

Then("the router should return the command", function (this: AngzarrWorld) {
  const commands = emittedCommands(this);
  expect(commands).to.have.length(1);
  const payload = commands[0]!.pages[0]!.payload;
  expect(payload?.$case === "command" ? typeNameFromUrl(payload.value.typeUrl) : "").to.equal(ReserveStock.$type);
  expect(commands[0]!.cover?.domain).to.equal("inventory");
});

Then("the command should have correct saga_origin", function (this: AngzarrWorld) {
  const header = emittedCommands(this)[0]!.pages[0]!.header?.sequenceType;
  expect(header?.$case).to.equal("angzarrDeferred");
  if (header?.$case !== "angzarrDeferred") return;
  expect(header.value.source?.domain).to.equal("orders");
  expect(coverRoot(header.value.source)).to.equal(ROUTER_ROOT);
  expect(header.value.sourceSeq).to.equal(4);
});

Then("the command should preserve correlation ID", function (this: AngzarrWorld) {
  const commands = emittedCommands(this);
  expect(commands).to.have.length(1);
  expect(commands[0]!.cover?.correlationId).to.equal(this.state(ROUTER_STEPS).correlation);
});

When("I receive an event that triggers command to {string}", async function (this: AngzarrWorld, domain: string) {
  // What the coordinator does before calling a saga: read the destination's next sequence.
  const root = computeRoot(domain, "sku-dest");
  const scoped = this.rootFor(domain, "sku-dest");
  await this.seedCount(domain, scoped, 2);
  const fetched = await this.currentSequence(domain, scoped);
  this.state(ROUTER_STEPS).fetched = { domain, sequence: fetched };
  expect(root).to.be.a("string");
  await handleSaga(this, [eventPage(1, "ItemAdded", { sku: "sku-dest", quantity: 1 })], `corr-${this.nonce}`, { [domain]: fetched });
});

Then("the router should fetch inventory aggregate state", function (this: AngzarrWorld) {
  const fetched = this.state(ROUTER_STEPS).fetched;
  expect(fetched?.domain).to.equal("inventory");
  expect(fetched?.sequence).to.equal(2);
  expect(handlers(rs(this), "destination").map((c) => c.sequence)).to.deep.equal([2]);
});

Then("the handler should receive destination state for sequence calculation", function (this: AngzarrWorld) {
  const commands = emittedCommands(this);
  expect(commands).to.have.length(1);
  expect(commands[0]!.pages[0]!.header?.sequenceType).to.deep.equal({ $case: "sequence", value: 2 });
});

When("I process two events with same type", async function (this: AngzarrWorld) {
  await handleSaga(
    this,
    [eventPage(1, "ItemAdded", { sku: "sku-a", quantity: 1 }), eventPage(2, "ItemAdded", { sku: "sku-b", quantity: 2 })],
    `corr-${this.nonce}`,
  );
});

Then("each should be processed independently", function (this: AngzarrWorld) {
  const calls = handlers(rs(this), "ItemAdded");
  expect(calls.map((c) => c.sequence)).to.deep.equal([1, 2]);
  const commands = emittedCommands(this);
  expect(commands.map((c) => (c.pages[0]!.header?.sequenceType as { value: { sourceSeq: number } }).value.sourceSeq)).to.deep.equal([1, 2]);
});

Then("no state should carry over between events", function (this: AngzarrWorld) {
  // Each call started from nothing, and each command carries only its own event's quantity.
  expect(handlers(rs(this), "ItemAdded").map((c) => c.items)).to.deep.equal([0, 0]);
  const quantities = emittedCommands(this).map((c) => {
    const payload = c.pages[0]!.payload;
    return ReserveStock.decode(payload?.$case === "command" ? payload.value.value : new Uint8Array()).quantity;
  });
  expect(quantities).to.deep.equal([1, 2]);
});

When("I receive an event with invalid payload", async function (this: AngzarrWorld) {
  const s = rs(this);
  const bad: EventPage = {
    ...eventPage(0, "ItemAdded"),
    payload: { $case: "event", value: { typeUrl: `type.googleapis.com/${ItemAdded.$type}`, value: Buffer.from([0x0a, 0x7f, 0x61]) } },
  };
  if (s.kind === "projector") return project(this, [bad]);
  return handleSaga(this, [bad], `corr-${this.nonce}`);
});

Then("the error should indicate deserialization failure", function (this: AngzarrWorld) {
  const err = this.lastError;
  expect(err).to.be.instanceOf(PayloadDecodeError);
  expect((err as Error).message).to.include(ItemAdded.$type);
});

// ---- projector -----------------------------------------------------------------------------

Given("a projector router", function (this: AngzarrWorld) {
  projectorRouter(rs(this));
});

Given("a projector router with handlers for {string}", function (this: AngzarrWorld, name: string) {
  projectorRouter(rs(this), [name]);
});

function batch(from: number, count: number): EventPage[] {
  return Array.from({ length: count }, (_, i) =>
    from + i === 0 ? eventPage(0, "OrderCreated", { customerId: "c-1" }) : eventPage(from + i, "ItemAdded", { sku: `s-${from + i}`, quantity: 1 }),
  );
}

When("I receive {int} events in a batch", async function (this: AngzarrWorld, count: number) {
  await project(this, batch(0, count));
  this.state(ROUTER_STEPS).batch = count;
});

When("I speculatively process events", async function (this: AngzarrWorld) {
  await project(this, batch(0, 3), true);
  this.state(ROUTER_STEPS).batch = 3;
});

When("I process events from sequence {int} to {int}", async function (this: AngzarrWorld, from: number, to: number) {
  await project(this, batch(from, to - from + 1));
});

function projectionOf(world: AngzarrWorld): OrderSummary {
  const s = rs(world);
  if (world.lastError !== undefined) throw new Error(`the projector failed: ${describeError(world.lastError)}`);
  expect(s.projection?.projection, "a projection").to.not.equal(undefined);
  return OrderSummary.decode(s.projection!.projection!.value);
}

Then("all {int} events should be processed in order", function (this: AngzarrWorld, count: number) {
  expect(rs(this).calls.map((c) => c.sequence)).to.deep.equal(Array.from({ length: count }, (_, i) => i));
});

Then("the projection result should be returned", function (this: AngzarrWorld) {
  const count = this.state(ROUTER_STEPS).batch;
  if (count === undefined) throw new Error("no batch was projected by an earlier step");
  const summary = projectionOf(this);
  expect(summary.eventsSeen).to.equal(count);
  expect(summary.items).to.equal(count - 1);
  expect(rs(this).projection!.projector).to.equal("order-summary");
});

Then("no external side effects should occur", function (this: AngzarrWorld) {
  const s = rs(this);
  expect(s.calls.length, "the handlers ran").to.be.greaterThan(0);
  expect(s.calls.every((c) => c.speculative === true)).to.equal(true);
  expect(s.externalWrites).to.deep.equal([]);
});

Then("the router projection state should be returned", function (this: AngzarrWorld) {
  const summary = projectionOf(this);
  expect(summary.eventsSeen).to.equal(3);
  expect(summary.items).to.equal(2);
});

Then("the router should track that position {int} was processed", function (this: AngzarrWorld, position: number) {
  expect(rs(this).projection?.sequence).to.equal(position);
  expect(projectionOf(this).eventsSeen).to.be.greaterThan(0);
});

// ---- process manager -----------------------------------------------------------------------

Given("a PM router", function (this: AngzarrWorld) {
  pmRouter(rs(this));
});

Given("a PM router with handlers for {string} and {string}", function (this: AngzarrWorld, a: string, b: string) {
  pmRouter(rs(this), [a, b]);
});

When("I receive an {string} event from domain {string}", async function (this: AngzarrWorld, name: string, domain: string) {
  await handlePm(rs(this), domain, [eventPage(0, name)], `corr-${this.nonce}`);
});

When("I receive an event without correlation ID", async function (this: AngzarrWorld) {
  await handlePm(rs(this), "orders", [eventPage(1, "ItemAdded")], "");
});

Then("the event should be skipped", function (this: AngzarrWorld) {
  const s = rs(this);
  expect(s.calls).to.have.length(0);
  const response = s.pmResponses.at(-1)!;
  expect(response.commands).to.have.length(0);
  expect(response.processEvents).to.equal(undefined);
});

When("I receive correlated events with ID {string}", async function (this: AngzarrWorld, id: string) {
  const s = rs(this);
  this.state(ROUTER_STEPS).correlation = id;
  await handlePm(s, "orders", [eventPage(1, "ItemAdded", { sku: "x", quantity: 1 })], id);
  await handlePm(s, "orders", [eventPage(2, "ItemAdded", { sku: "y", quantity: 1 })], id);
  await handlePm(s, "orders", [eventPage(1, "ItemAdded", { sku: "z", quantity: 1 })], `${id}-other`);
});

function correlation(world: AngzarrWorld): string {
  const id = world.state(ROUTER_STEPS).correlation;
  if (id === undefined) throw new Error("no correlated events were received by an earlier step");
  return id;
}

Then("state should be maintained across events", function (this: AngzarrWorld) {
  const id = correlation(this);
  const calls = handlers(rs(this), "ItemAdded").filter((c) => c.correlationId === id);
  expect(calls.map((c) => c.items)).to.deep.equal([0, 1]);
});

Then("events with different correlation IDs should have separate state", function (this: AngzarrWorld) {
  const id = correlation(this);
  const other = handlers(rs(this), "ItemAdded").filter((c) => c.correlationId === `${id}-other`);
  expect(other.map((c) => c.items)).to.deep.equal([0]);
  expect(rs(this).pmBooks.get(id)?.pages).to.have.length(2);
  expect(rs(this).pmBooks.get(`${id}-other`)?.pages).to.have.length(1);
});

// ---- registration --------------------------------------------------------------------------

Given("a router", function (this: AngzarrWorld) {
  // A projector router without handlers yet: registration is by message type.
  const s = rs(this);
  s.kind = "projector";
});

When("I register handler for type {string}", function (this: AngzarrWorld, name: string) {
  // Registration takes the message type (its codec); "OrderCreated" is examples.orders.OrderCreated.
  projectorRouter(rs(this), [name]);
});

When("I register handlers for {string}, {string}, and {string}", function (this: AngzarrWorld, a: string, b: string, c: string) {
  projectorRouter(rs(this), [a, b, c]);
  this.state(ROUTER_STEPS).registered = [a, b, c];
});

/** An event whose type URL ends with `suffix`: the example type of that name, else that full name. */
function eventEndingWith(suffix: string): EventPage {
  try {
    return eventPage(0, suffix);
  } catch {
    const full = suffix.includes(".") ? suffix : `examples.other.${suffix}`;
    return {
      ...eventPage(0, "OrderCreated"),
      payload: { $case: "event", value: { typeUrl: `type.googleapis.com/${full}`, value: Buffer.alloc(0) } },
    };
  }
}

async function dispatchEnding(world: AngzarrWorld, suffix: string): Promise<number> {
  const s = rs(world);
  const before = s.calls.length;
  await project(world, [eventEndingWith(suffix)]);
  if (world.lastError !== undefined) throw new Error(`dispatch failed: ${describeError(world.lastError)}`);
  return s.calls.length - before;
}

Then("events ending with {string} should match", async function (this: AngzarrWorld, suffix: string) {
  expect(await dispatchEnding(this, suffix)).to.equal(1);
});

Then("events ending with {string} should NOT match", async function (this: AngzarrWorld, suffix: string) {
  expect(await dispatchEnding(this, suffix)).to.equal(0);
});

Then("all three types should be routable", async function (this: AngzarrWorld) {
  const names = this.state(ROUTER_STEPS).registered;
  await project(
    this,
    names.map((n, i) => eventPage(i, n)),
  );
  expect(rs(this).calls.map((c) => c.handler)).to.have.members(names);
});

Then("each should invoke its specific handler", function (this: AngzarrWorld) {
  const names = this.state(ROUTER_STEPS).registered;
  expect(rs(this).calls).to.have.length(names.length);
  for (const [i, call] of rs(this).calls.entries()) {
    expect(call.handler).to.equal(names[i]);
    expect((call.message as { $type?: string }).$type).to.equal(codecFor(names[i]!).$type);
  }
});

Given("a router with handler for protobuf message type", function (this: AngzarrWorld) {
  projectorRouter(rs(this), ["ItemAdded"]);
});

When("I receive an event with that type", async function (this: AngzarrWorld) {
  await project(this, [page(3, ItemAdded, ItemAdded.fromPartial({ sku: "sku-42", quantity: 3 }))]);
});

Then("the raw bytes should be deserialized", function (this: AngzarrWorld) {
  const call = handlers(rs(this), "ItemAdded")[0]!;
  const msg = call.message as ItemAdded;
  expect({ sku: msg.sku, quantity: msg.quantity }).to.deep.equal({ sku: "sku-42", quantity: 3 });
});

Then("the handler should receive the decoded message", function (this: AngzarrWorld) {
  const call = handlers(rs(this), "ItemAdded")[0]!;
  expect(call.message).to.not.be.instanceOf(Uint8Array);
  expect((call.message as { $type?: string }).$type).to.equal(ItemAdded.$type);
  expect(packOf(ItemAdded, call.message).value).to.deep.equal(packOf(ItemAdded, ItemAdded.fromPartial({ sku: "sku-42", quantity: 3 })).value);
});

// ---- state building ------------------------------------------------------------------------

Given("events: OrderCreated, ItemAdded, ItemAdded", function (this: AngzarrWorld) {
  rs(this).prior = existingOrder();
});

Given("no events for the aggregate", function (this: AngzarrWorld) {
  rs(this).prior = [];
});

Given("a snapshot at sequence {int}", function (this: AngzarrWorld, sequence: number) {
  // The snapshot covers 0..N; the book (as a full read returns it) still holds those pages.
  const s = rs(this);
  s.prior = existingOrder().slice(0, 1);
  for (let i = 1; i <= sequence; i++) s.prior.push(page(i, ItemAdded, ItemAdded.fromPartial({ sku: `old-${i}`, quantity: 1 })));
  const state = OrderState.fromPartial({ customerId: "from-snapshot", itemCount: 40, eventCount: sequence + 1 });
  s.snapshot = { sequence, state: packOf(OrderState, state), retention: SnapshotRetention.RETENTION_DEFAULT };
});

Given("events {int}, {int}, {int}", function (this: AngzarrWorld, a: number, b: number, c: number) {
  const s = rs(this);
  for (const seq of [a, b, c]) s.prior.push(page(seq, ItemAdded, ItemAdded.fromPartial({ sku: `new-${seq}`, quantity: 1 })));
});

function buildState(world: AngzarrWorld): void {
  const s = rs(world);
  s.applied = [];
  s.kind = "state";
  s.state = orderState(s).rebuild(makeEventBook(orderCoverFor(), s.prior, s.snapshot));
}

When("I build state", function (this: AngzarrWorld) {
  buildState(this);
});

When("I build state from these events", function (this: AngzarrWorld) {
  buildState(this);
});

Then("the state should have {int} items", function (this: AngzarrWorld, items: number) {
  expect(rs(this).state!.itemCount).to.equal(items);
});

Then("the state should reflect all three events applied", function (this: AngzarrWorld) {
  const s = rs(this);
  expect(s.applied).to.deep.equal([0, 1, 2]);
  expect(s.state!.customerId).to.equal("cust-1");
  expect(s.state!.eventCount).to.equal(3);
});

Then("the router should start from snapshot", function (this: AngzarrWorld) {
  const s = rs(this);
  expect(s.state!.customerId).to.equal("from-snapshot");
  expect(s.state!.itemCount).to.equal(40 + 3);
});

Then("only apply events {int}, {int}, {int}", function (this: AngzarrWorld, a: number, b: number, c: number) {
  expect(rs(this).applied).to.deep.equal([a, b, c]);
});

Then("the state should be the default\\/initial state", function (this: AngzarrWorld) {
  const s = rs(this);
  expect(s.applied).to.deep.equal([]);
  expect(OrderState.encode(s.state!).finish()).to.have.length(0);
  expect({ ...s.state, $type: undefined }).to.deep.equal({ ...OrderState.fromPartial({}), $type: undefined });
});
