/**
 * Phrasings of the shared speculative_client.feature (step-vocabulary.txt section 2), run
 * through the SDK's SpeculativeClient against the test backend: speculative commands on the
 * orders handler, and the example saga (orders-inventory), process manager (fulfillment) and
 * projector (order-summary) the embedded backend registers.
 *
 * Histories an aggregate command runs against are stored for real (facts). Books handed to a
 * saga, process manager or projector are built in-process and never stored ("events for X"),
 * with SKUs unique to the scenario, so what the components would do can be checked in the store
 * afterwards without other scenarios' events in the way. The coordinator picks the saga /
 * process manager / projector by the book's domain; the steps check the name against the
 * example component and build the book for its input domain.
 */
import { Given, Then, When } from "@cucumber/cucumber";
import { expect } from "chai";
import * as sdk from "../../src/index.js";
import { computeRoot, makeCover, makeEventBook, makeEventPage } from "../../src/core/index.js";
import type { CommandResponse } from "../../src/gen/angzarr/command_handler.js";
import type { ProcessManagerHandleResponse } from "../../src/gen/angzarr/process_manager.js";
import type { SagaResponse } from "../../src/gen/angzarr/saga.js";
import { CascadeErrorMode, SyncMode, type EventBook, type EventPage, type Projection } from "../../src/gen/angzarr/types.js";
import { closedPortEndpoint } from "../../src/testing/index.js";
import { fulfillment, orderSummary, ordersToInventory } from "../../examples/orders/index.js";
import { codecFor, emptyMessage, pack, sampleMessage, shortName } from "../support/messages.js";
import { StateSlot } from "../support/state-slot.js";
import { AngzarrWorld, CALL_TIMEOUT_MS, describeError, pageSequence, pageTypeName, planFor } from "../support/world.js";

interface Speculation {
  /** Label of the run ("A", "B", or the command type). */
  label: string;
  /** The aggregate's next sequence the run was based on. */
  base: number;
  asOfSequence: number;
  response?: CommandResponse;
  error?: unknown;
}

interface SpecState {
  runs: Speculation[];
  /** Books built for saga / PM / projector runs. */
  books: EventBook[];
  saga?: SagaResponse;
  pms: ProcessManagerHandleResponse[];
  projection?: Projection;
  /** Events seeded before the speculation, per root (to compare against later). */
  realBook?: EventBook;
  /** A correlation ID the books carry ("" = none). */
  correlation?: string;
  /** A what-if run written into a new edition: its name and the command's answer. */
  whatIf?: { edition: string; response: CommandResponse };
}

const SPECULATIVE = new StateSlot<SpecState>(() => ({ runs: [], books: [], pms: [] }));

function spec(world: AngzarrWorld): SpecState {
  return world.state(SPECULATIVE);
}

async function client(world: AngzarrWorld): Promise<sdk.SpeculativeClient> {
  world.speculativeClient ??= await world.connectSpeculative();
  return world.speculativeClient;
}

/** A message of the type: a unique SKU/customer in the first string field, numbers 1. */
function messageFor(world: AngzarrWorld, type: string, domain: string, label: string): Record<string, unknown> {
  return sampleMessage(codecFor(type, domain), world.correlation(`${label}-${spec(world).runs.length}`));
}

/**
 * Speculates `type` on the current aggregate as of `asOf` (default: its whole history, i.e.
 * its last sequence, or 0 when it has none).
 */
async function speculate(world: AngzarrWorld, label: string, type: string, message: Record<string, unknown>, asOf?: number): Promise<Speculation> {
  const { domain, root } = world.requireCurrent();
  const base = await world.currentSequence(domain, root);
  const asOfSequence = asOf ?? Math.max(base - 1, 0);
  const run: Speculation = { label, base: asOf === undefined ? base : asOf + 1, asOfSequence };
  const speculative = await client(world);
  const builder = (await world.seeder()).command(domain, root).withCommand(codecFor(type, domain), message);
  run.response = await world.attemptAsync(() => speculative.speculateCommand(builder, { asOfSequence }, { timeoutMs: CALL_TIMEOUT_MS }));
  run.error = world.lastError;
  spec(world).runs.push(run);
  return run;
}

function lastRun(world: AngzarrWorld): Speculation {
  const run = spec(world).runs.at(-1);
  if (!run) throw new Error("no speculation ran");
  return run;
}

function okRun(run: Speculation): CommandResponse {
  if (run.error !== undefined) throw new Error(`the speculation failed: ${describeError(run.error)}`);
  return run.response!;
}

function requireSpecError(world: AngzarrWorld): sdk.ClientError {
  const err = world.lastError;
  if (err === undefined) throw new Error("expected the speculative call to fail, but it succeeded");
  return err as sdk.ClientError;
}

/** ItemAdded pages (never stored) for the scenario: quantities 1..n, SKUs unique to it. */
function itemsBook(world: AngzarrWorld, domain: string, name: string, count: number, correlation = ""): EventBook {
  const codec = codecFor("ItemAdded", "orders");
  const cover = makeCover({ domain, root: world.useAggregate(domain, name).root, correlationId: correlation });
  return makeEventBook(
    cover,
    Array.from({ length: count }, (_, i) =>
      makeEventPage(i, pack(codec, codec.fromPartial({ sku: world.correlation(`${name}-sku-${i}`), quantity: i + 1 }))),
    ),
  );
}

/** An event page's type and bytes, to recognise the same event elsewhere. */
function payloadKey(page: EventPage): string {
  return page.payload?.$case === "event" ? `${page.payload.value.typeUrl}:${Buffer.from(page.payload.value.value).toString("hex")}` : "";
}

function bookSkus(book: EventBook): string[] {
  const codec = codecFor("ItemAdded", "orders");
  return book.pages.flatMap((p) =>
    p.payload?.$case === "event" && shortName(p.payload.value.typeUrl) === "ItemAdded"
      ? [(codec.decode(p.payload.value.value) as { sku: string }).sku]
      : [],
  );
}

// ---- Given ----------------------------------------------------------------------------------

Given(
  "a speculative aggregate {string} with root {string} has {int} events",
  async function (this: AngzarrWorld, domain: string, name: string, count: number) {
    const { root } = this.useAggregate(domain, name);
    await this.seedCount(domain, root, count);
  },
);

// States of the orders example: "created" (OrderCreated) and "shipped" (OrderCreated, OrderShipped).
Given("an aggregate {string} with root {string} in state {string}", async function (this: AngzarrWorld, domain: string, name: string, state: string) {
  const { root } = this.useAggregate(domain, name);
  const created = { type: "OrderCreated", data: this.correlation("customer") };
  const history: Record<string, Array<{ type: string; data?: string }>> = {
    created: [created],
    shipped: [created, { type: "OrderShipped", data: "1 Main St" }],
  };
  const events = history[state];
  if (!events) throw new Error(`no state ${JSON.stringify(state)} of ${domain} (known: ${Object.keys(history).join(", ")})`);
  await this.seedFacts(domain, root, events);
});

Given("events for {string} root {string}", function (this: AngzarrWorld, domain: string, name: string) {
  spec(this).books = [itemsBook(this, domain, name, 3)];
});

Given("{int} events for {string} root {string}", function (this: AngzarrWorld, count: number, domain: string, name: string) {
  spec(this).books = [itemsBook(this, domain, name, count)];
});

// Our 0.5.1 protocol has no saga_origin field: a saga's origin chain is the source's correlation
// ID and root, which the orders-inventory saga carries into its commands (ReserveStock.order_id).
Given("events with saga origin from {string} aggregate", function (this: AngzarrWorld, domain: string) {
  const s = spec(this);
  s.correlation = this.correlation("saga-origin");
  s.books = [itemsBook(this, domain, "saga-origin", 2, s.correlation)];
});

// An orders book and an inventory book carrying one correlation ID.
Given("correlated events from multiple domains", function (this: AngzarrWorld) {
  const s = spec(this);
  s.correlation = this.correlation("workflow");
  const orders = itemsBook(this, "orders", "pm-order", 1, s.correlation);
  const codec = codecFor("StockReserved", "inventory");
  const sku = bookSkus(orders)[0]!;
  const inventory = makeEventBook(makeCover({ domain: "inventory", root: computeRoot("inventory", sku), correlationId: s.correlation }), [
    makeEventPage(0, pack(codec, codec.fromPartial({ orderId: "pm-order", sku, quantity: 1 }))),
  ]);
  s.books = [orders, inventory];
});

Given("events without correlation ID", function (this: AngzarrWorld) {
  const s = spec(this);
  s.correlation = "";
  s.books = [itemsBook(this, "orders", "uncorrelated", 1, "")];
});

// A SpeculativeClient to a port where nothing listens.
Given("the speculative service is unavailable", async function (this: AngzarrWorld) {
  this.speculativeClient = await this.connectSpeculative(await closedPortEndpoint());
});

// ---- When: commands -------------------------------------------------------------------------

// "a command" is AddItem (one ItemAdded) on the scenario's current aggregate.
When("I speculatively execute a command", async function (this: AngzarrWorld) {
  await speculate(this, "command", "AddItem", messageFor(this, "AddItem", "orders", "item"));
});

When("I speculatively execute a command against {string} root {string}", async function (this: AngzarrWorld, domain: string, name: string) {
  this.useAggregate(domain, name);
  await speculate(this, "command", planFor(domain).append, messageFor(this, planFor(domain).append, domain, "item"));
});

When("I speculatively execute a command as of sequence {int}", async function (this: AngzarrWorld, n: number) {
  await speculate(this, "command", "AddItem", messageFor(this, "AddItem", "orders", "item"), n);
});

// The orders handler's ProcessOrder records 3 events from one command.
When("I speculatively execute a command producing {int} events", async function (this: AngzarrWorld, count: number) {
  const { domain } = this.requireCurrent();
  const type = planFor(domain).multi[count];
  if (!type) throw new Error(`no ${domain} command produces ${count} events`);
  await speculate(this, "command", type, messageFor(this, type, domain, "multi"));
});

// AddItem without a SKU: the handler refuses it with INVALID_ARGUMENT.
When("I speculatively execute a command with invalid payload", async function (this: AngzarrWorld) {
  await speculate(this, "invalid", "AddItem", emptyMessage(codecFor("AddItem", "orders")));
});

When("I speculatively execute a {string} command", async function (this: AngzarrWorld, type: string) {
  const { domain } = this.requireCurrent();
  await speculate(this, type, type, messageFor(this, type, domain, type));
});

When("I speculatively execute command A", async function (this: AngzarrWorld) {
  await speculate(this, "A", "AddItem", messageFor(this, "AddItem", "orders", "A"));
});

// Command B differs from A: ProcessOrder (three events) instead of AddItem.
When("I speculatively execute command B", async function (this: AngzarrWorld) {
  await speculate(this, "B", "ProcessOrder", messageFor(this, "ProcessOrder", "orders", "B"));
});

When("I attempt speculative execution", async function (this: AngzarrWorld) {
  this.useAggregate("orders", "unreachable");
  const speculative = await client(this);
  const builder = (await this.seeder())
    .command("orders", this.requireCurrent().root)
    .withCommand(codecFor("CreateOrder", "orders"), messageFor(this, "CreateOrder", "orders", "c"));
  await this.attemptAsync(() => speculative.speculateCommand(builder, { asOfSequence: 0 }, { timeoutMs: 5_000 }));
});

// No point in history (neither as_of_sequence nor as_of_time): refused before any call.
When("I attempt speculative execution with missing parameters", async function (this: AngzarrWorld) {
  const { root } = this.useAggregate("orders", "missing-parameters");
  const speculative = await client(this);
  const builder = (await this.seeder())
    .command("orders", root)
    .withCommand(codecFor("AddItem", "orders"), messageFor(this, "AddItem", "orders", "m"));
  await this.attemptAsync(() => speculative.speculateCommand(builder, undefined as never, { timeoutMs: CALL_TIMEOUT_MS }));
});

// HandleSyncSpeculative keeps nothing; a what-if that should stay readable is run for real in a
// branch timeline: AddItem on the current aggregate at its next sequence, in an edition not
// written before (editions are created by their first write, COORDINATOR.md §14.4).
When("I run a command as a what-if in a new edition", async function (this: AngzarrWorld) {
  const { domain, root } = this.requireCurrent();
  const edition = this.correlation("what-if");
  const response = await (
    await this.seeder()
  )
    .command(domain, root)
    .withEdition(edition)
    .withCommand(codecFor("AddItem", domain), messageFor(this, "AddItem", domain, "what-if"))
    .withSequence(await this.currentSequence(domain, root))
    .execute({ timeoutMs: CALL_TIMEOUT_MS });
  spec(this).whatIf = { edition, response };
});

When("I verify the real events for {string} root {string}", async function (this: AngzarrWorld, domain: string, name: string) {
  spec(this).realBook = await this.readBook(domain, this.useAggregate(domain, name).root);
});

// ---- When: sagas, process managers, projectors ----------------------------------------------

function booksOr(world: AngzarrWorld): EventBook[] {
  const books = spec(world).books;
  if (books.length === 0) throw new Error("no events were prepared for the speculation");
  return books;
}

When("I speculatively execute saga {string}", async function (this: AngzarrWorld, name: string) {
  expect(name, "the example saga").to.equal(ordersToInventory.name);
  const source = booksOr(this).find((b) => b.cover?.domain === ordersToInventory.sourceDomain);
  if (!source) throw new Error(`no ${ordersToInventory.sourceDomain} events for saga ${name}`);
  const speculative = await client(this);
  const request = {
    source,
    syncMode: SyncMode.SYNC_MODE_ASYNC,
    cascadeErrorMode: CascadeErrorMode.CASCADE_ERROR_FAIL_FAST,
    destinationSequences: {},
  };
  spec(this).saga = await this.attemptAsync(() => speculative.speculateSaga(request, { timeoutMs: CALL_TIMEOUT_MS }));
});

// One speculation per prepared book the process manager listens to.
When("I speculatively execute process manager {string}", async function (this: AngzarrWorld, name: string) {
  expect(name, "the example process manager").to.equal(fulfillment.name);
  const s = spec(this);
  const speculative = await client(this);
  s.pms = [];
  for (const trigger of booksOr(this)) {
    const response = await this.attemptAsync(() =>
      speculative.speculateProcessManager({ trigger, processState: undefined, destinationSequences: {} }, { timeoutMs: CALL_TIMEOUT_MS }),
    );
    if (!response) return;
    s.pms.push(response);
  }
});

async function speculateProjector(world: AngzarrWorld, name: string): Promise<void> {
  expect(name, "the example projector").to.equal(orderSummary.name);
  const book = booksOr(world).find((b) => orderSummary.domains?.includes(b.cover?.domain ?? ""));
  if (!book) throw new Error(`no events of a domain projector ${name} reads`);
  const speculative = await client(world);
  spec(world).projection = await world.attemptAsync(() => speculative.speculateProjector(book, { timeoutMs: CALL_TIMEOUT_MS }));
}

When("I speculatively execute projector {string}", async function (this: AngzarrWorld, name: string) {
  await speculateProjector(this, name);
});

When("I speculatively execute projector {string} against those events", async function (this: AngzarrWorld, name: string) {
  await speculateProjector(this, name);
});

// ---- Then: command speculations -------------------------------------------------------------

Then("the response should contain the projected events", function (this: AngzarrWorld) {
  const run = lastRun(this);
  const pages = okRun(run).events?.pages ?? [];
  expect(pages.length).to.be.greaterThan(0);
  expect(pages.map(pageSequence)).to.deep.equal(pages.map((_, i) => run.base + i));
});

// The history is as seeded, and none of the speculated events (unique payloads) is in it.
Then("the events should NOT be persisted", async function (this: AngzarrWorld) {
  const { domain, root } = this.requireCurrent();
  const book = await this.readBook(domain, root);
  expect(book.pages.length).to.equal(this.seededEvents(root).length);
  const speculated = okRun(lastRun(this)).events?.pages ?? [];
  expect(speculated.length).to.be.greaterThan(0);
  const stored = new Set(book.pages.map(payloadKey));
  for (const page of speculated) expect(stored.has(payloadKey(page)), "a speculated event was stored").to.equal(false);
});

// The event's sequence follows the chosen point, below the aggregate's real next sequence.
Then("the command should execute against the historical state", async function (this: AngzarrWorld) {
  const run = lastRun(this);
  const { domain, root } = this.requireCurrent();
  const first = pageSequence(okRun(run).events!.pages[0]!);
  expect(first).to.be.lessThan(await this.currentSequence(domain, root));
});

Then("the response should reflect state at sequence {int}", function (this: AngzarrWorld, n: number) {
  const pages = okRun(lastRun(this)).events?.pages ?? [];
  expect(pages.length).to.be.greaterThan(0);
  expect(pageSequence(pages[0]!)).to.equal(n + 1);
});

// A business refusal comes back as FAILED_PRECONDITION carrying the handler's reason.
Then("the response should indicate rejection", function (this: AngzarrWorld) {
  const err = requireSpecError(this);
  expect(err.isPreconditionFailed(), describeError(err)).to.equal(true);
});

Then("the rejection reason should be {string}", function (this: AngzarrWorld, reason: string) {
  const err = requireSpecError(this);
  expect(err.message).to.include(reason);
});

Then("the operation should fail with validation error", function (this: AngzarrWorld) {
  const err = requireSpecError(this);
  expect(err.isInvalidArgument(), describeError(err)).to.equal(true);
});

Then("no events should be produced", async function (this: AngzarrWorld) {
  const run = lastRun(this);
  expect(run.response, "the speculation returned a response").to.equal(undefined);
  const { domain, root } = this.requireCurrent();
  expect((await this.readBook(domain, root)).pages.length).to.equal(this.seededEvents(root).length);
});

// No edition is created at all (the 0.5.1 coordinator runs speculation in memory, COORDINATOR.md
// §7): nothing of the speculation remains in the store, and its events name no edition.
Then("the edition should be discarded after execution", async function (this: AngzarrWorld) {
  const response = okRun(lastRun(this));
  expect(response.events?.cover?.edition?.name ?? "").to.equal("");
  const { domain, root } = this.requireCurrent();
  const book = await this.readBook(domain, root);
  expect(book.pages.length).to.equal(this.seededEvents(root).length);
});

// The edition holds the what-if's event as its own row, and reads as the main history below it
// followed by that event (the composite view, §14.4).
Then("an edition should be created for the speculation", async function (this: AngzarrWorld) {
  const whatIf = spec(this).whatIf;
  if (!whatIf) throw new Error("no what-if ran in an edition");
  const { domain, root } = this.requireCurrent();
  const produced = whatIf.response.events?.pages ?? [];
  expect(produced).to.have.length(1);
  const main = this.seededEvents(root).length;
  expect(pageSequence(produced[0]!)).to.equal(main);
  const own = await (await this.reader()).query(domain, root).withEdition(whatIf.edition).range(0).getEventBook({ timeoutMs: CALL_TIMEOUT_MS });
  expect(own.pages.map(pageSequence), "the edition's own events").to.deep.equal([main]);
  const view = await this.readBook(domain, root, whatIf.edition);
  expect(view.cover?.edition?.name).to.equal(whatIf.edition);
  expect(view.pages.map(pageSequence)).to.deep.equal(Array.from({ length: main + 1 }, (_, i) => i));
  expect(payloadKey(view.pages[main]!)).to.equal(payloadKey(produced[0]!));
});

Then("I should receive only {int} events", function (this: AngzarrWorld, count: number) {
  const book = spec(this).realBook;
  if (!book) throw new Error("the real events were not read");
  expect(book.pages).to.have.length(count);
});

Then("the speculative events should not be present", function (this: AngzarrWorld) {
  const book = spec(this).realBook!;
  const speculated = new Set((okRun(lastRun(this)).events?.pages ?? []).map(pageTypeName));
  expect(speculated.size).to.be.greaterThan(0);
  for (const type of book.pages.map(pageTypeName)) expect(speculated.has(type), `${type} is in the real history`).to.equal(false);
});

Then("each speculation should start from the same base state", function (this: AngzarrWorld) {
  const runs = spec(this).runs;
  expect(runs.length).to.be.at.least(2);
  const firsts = runs.map((run) => pageSequence(okRun(run).events!.pages[0]!));
  expect(new Set(firsts).size, `first sequences ${firsts.join(", ")}`).to.equal(1);
  expect(firsts[0]).to.equal(runs[0]!.base);
});

// B's result does not contain A's event, and neither was stored.
Then("results should be independent", async function (this: AngzarrWorld) {
  const [a, b] = spec(this).runs;
  const typesA = okRun(a!).events!.pages.map((p) => shortName(pageTypeName(p)));
  const typesB = okRun(b!).events!.pages.map((p) => shortName(pageTypeName(p)));
  expect(typesA).to.deep.equal(["ItemAdded"]);
  expect(typesB).to.not.include("ItemAdded");
  const { domain, root } = this.requireCurrent();
  expect((await this.readBook(domain, root)).pages.length).to.equal(this.seededEvents(root).length);
});

Then("the speculative operation should fail with connection error", function (this: AngzarrWorld) {
  const err = requireSpecError(this);
  expect(err.isConnectionError(), describeError(err)).to.equal(true);
});

Then("the speculative operation should fail with invalid argument error", function (this: AngzarrWorld) {
  const err = requireSpecError(this);
  expect(err.isInvalidArgument(), describeError(err)).to.equal(true);
});

// ---- Then: sagas ----------------------------------------------------------------------------

function sagaResponse(world: AngzarrWorld): SagaResponse {
  const s = spec(world);
  if (world.lastError !== undefined) throw new Error(`the saga speculation failed: ${describeError(world.lastError)}`);
  if (!s.saga) throw new Error("no saga speculation ran");
  return s.saga;
}

// One ReserveStock per ItemAdded, to the SKU's inventory aggregate.
Then("the response should contain the commands the saga would emit", function (this: AngzarrWorld) {
  const { commands } = sagaResponse(this);
  const skus = bookSkus(spec(this).books[0]!);
  expect(commands).to.have.length(skus.length);
  for (const [i, command] of commands.entries()) {
    expect(command.cover?.domain).to.equal("inventory");
    expect(sdk.protoToUuid(command.cover?.root)).to.equal(computeRoot("inventory", skus[i]!));
    expect(command.pages.map((p) => (p.payload?.$case === "command" ? shortName(p.payload.value.typeUrl) : undefined))).to.deep.equal([
      "ReserveStock",
    ]);
  }
});

async function inventoryUntouched(world: AngzarrWorld): Promise<void> {
  const skus = spec(world).books.flatMap(bookSkus);
  expect(skus.length).to.be.greaterThan(0);
  for (const sku of skus) {
    const book = await world.readBook("inventory", computeRoot("inventory", sku));
    expect(book.pages, `inventory events for ${sku}`).to.have.length(0);
  }
}

Then("the commands should NOT be sent to the target domain", async function (this: AngzarrWorld) {
  sagaResponse(this);
  await inventoryUntouched(this);
});

// For a saga: no ReserveStock ran (the inventory aggregates are empty). For a process
// manager: none of its decisions were stored in its own domain.
Then("the commands should NOT be executed", async function (this: AngzarrWorld) {
  const s = spec(this);
  if (s.pms.length > 0) {
    const books = await (await this.reader()).queryByCorrelation(s.correlation!).getEvents({ timeoutMs: CALL_TIMEOUT_MS }).collect();
    expect(books.filter((b) => b.cover?.domain === fulfillment.pmDomain).flatMap((b) => b.pages)).to.have.length(0);
    return;
  }
  sagaResponse(this);
  await inventoryUntouched(this);
});

Then("the response should preserve the saga origin chain", function (this: AngzarrWorld) {
  const { commands } = sagaResponse(this);
  const s = spec(this);
  const source = s.books[0]!;
  expect(commands.length).to.be.greaterThan(0);
  const codec = codecFor("ReserveStock", "inventory");
  for (const command of commands) {
    expect(command.cover?.correlationId).to.equal(s.correlation);
    const page = command.pages[0]!;
    if (page.payload?.$case !== "command") throw new Error("the command page carries no command");
    const reserve = codec.decode(page.payload.value.value) as { orderId: string };
    expect(reserve.orderId).to.equal(sdk.protoToUuid(source.cover?.root));
  }
});

// ---- Then: process managers -----------------------------------------------------------------

// fulfillment decides by recording process events (it emits no commands): one per trigger event.
Then("the response should contain the PM's command decisions", function (this: AngzarrWorld) {
  const s = spec(this);
  if (this.lastError !== undefined) throw new Error(`the process manager speculation failed: ${describeError(this.lastError)}`);
  expect(s.pms).to.have.length(s.books.length);
  const decided = s.pms.flatMap((pm) => (pm.processEvents?.pages ?? []).map(pageTypeName));
  const triggered = s.books.flatMap((b) => b.pages.map(pageTypeName));
  expect(decided).to.deep.equal(triggered);
  for (const pm of s.pms) {
    expect(pm.commands).to.have.length(0);
    expect(pm.processEvents?.cover?.correlationId).to.equal(s.correlation);
  }
});

// The SpeculativeClient refuses a trigger without a correlation ID before sending (the
// coordinator would not check it, COORDINATOR.md §10.2): no speculation came back.
Then("the speculative PM operation should fail", function (this: AngzarrWorld) {
  const s = spec(this);
  expect(s.books.length, "triggers were prepared").to.be.greaterThan(0);
  requireSpecError(this);
  expect(s.pms, "process manager answers").to.have.length(0);
});

Then("the error should indicate missing correlation ID", function (this: AngzarrWorld) {
  const err = requireSpecError(this);
  expect(err.isInvalidArgument(), describeError(err)).to.equal(true);
  expect(err.message).to.include("no correlation ID");
});

// ---- Then: projectors -----------------------------------------------------------------------

function summary(world: AngzarrWorld): { items: number; eventsSeen: number } {
  const s = spec(world);
  if (world.lastError !== undefined) throw new Error(`the projector speculation failed: ${describeError(world.lastError)}`);
  const projection = s.projection?.projection;
  expect(shortName(projection?.typeUrl ?? "")).to.equal("OrderSummary");
  return codecFor("OrderSummary", "orders").decode(projection!.value) as { items: number; eventsSeen: number };
}

Then("the response should contain the projection", function (this: AngzarrWorld) {
  const s = spec(this);
  expect(s.projection?.projector).to.equal(orderSummary.name);
  expect(summary(this).eventsSeen).to.equal(s.books[0]!.pages.length);
});

// The projection is only returned: the events' aggregate stays unwritten and no saga reacted.
Then("no external systems should be updated", async function (this: AngzarrWorld) {
  summary(this);
  const book = spec(this).books[0]!;
  const stored = await this.readBook(book.cover!.domain, sdk.protoToUuid(book.cover?.root));
  expect(stored.pages).to.have.length(0);
  await inventoryUntouched(this);
});

// Every page was seen (eventsSeen), and the item total is the sum over all of them (1 + 2 + ... + n).
Then("the projector should process all {int} events in order", function (this: AngzarrWorld, count: number) {
  const book = spec(this).books[0]!;
  expect(book.pages.map(pageSequence)).to.deep.equal(Array.from({ length: count }, (_, i) => i));
  const { eventsSeen, items } = summary(this);
  expect(eventsSeen).to.equal(count);
  expect(items).to.equal((count * (count + 1)) / 2);
});

Then("the final projection state should be returned", function (this: AngzarrWorld) {
  const book = spec(this).books[0]!;
  const { items } = summary(this);
  const codec = codecFor("ItemAdded", "orders");
  const total = book.pages.reduce((sum, p) => {
    if (p.payload?.$case !== "event") return sum;
    return sum + (codec.decode(p.payload.value.value) as { quantity: number }).quantity;
  }, 0);
  expect(items).to.equal(total);
});
