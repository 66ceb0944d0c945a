/**
 * Contract phrasings of the shared state_building.feature (step-vocabulary.txt section 2),
 * driving the SDK's StateRouter (rebuild, applySingle, snapshots) and nextSequence in-process.
 *
 * Names of the other SDKs, mapped to ours:
 *   build_state(state, events)      -> StateRouter.rebuild(book) for a book; for a given start
 *                                      state, StateRouter.applySingle over the events in order
 *   _apply_event(state, event_any)  -> StateRouter.applySingle(state, any): unpacks the Any and
 *                                      calls the applier registered for its type
 *   "the field"                     -> OrderState.itemCount (ItemAdded.quantity adds to it)
 *   order_id                        -> OrderState.customerId (set by OrderCreated)
 * The appliers below are the application's; every call is logged, so Thens can check which
 * events the SDK applied, in which order, with which decoded message.
 */
import { Given, Then, When, type DataTable } from "@cucumber/cucumber";
import { expect } from "chai";
import {
  headerSequence,
  makeEventBook,
  makeEventPage,
  nextSequence,
  packAny,
  pageEvent,
  PayloadDecodeError,
  typeNameFromUrl,
  unpackAny,
} from "../../src/core/index.js";
import { StateRouter } from "../../src/handlers/state-router.js";
import { ItemAdded, OrderCreated, OrderShipped, OrderState } from "../../examples/gen/examples/orders.js";
import { SnapshotRetention, type EventBook, type EventPage } from "../../src/gen/angzarr/types.js";
import { codecFor, sampleMessage } from "../support/messages.js";
import { StateSlot } from "../support/state-slot.js";
import { AngzarrWorld } from "../support/world.js";
import { setSubject, SHARED_EVENTS, subjectAny, subjectPage } from "./support/b-events.js";

type State = OrderState;
interface Applied {
  sequence: number | undefined;
  type: string;
  message: unknown;
}
interface Draft {
  pages: EventPage[];
  snapshot?: { sequence: number; state: State };
}

/** What the state building steps set up and built (a build failure goes to lastError). */
interface StateBuildingState {
  /** Every applier call, in order. */
  applied: Applied[];
  router?: StateRouter<State>;
  /** The book being set up. */
  book?: Draft;
  /** The book a build step used, and a copy taken before building. */
  builtBook?: EventBook;
  bookBefore?: EventBook;
  /** The state a build or apply gave. */
  built?: State;
  /** A given start state, and a copy taken before applying. */
  state?: State;
  stateBefore?: State;
  /** Pages for "apply all events". */
  eventPages?: EventPage[];
  next?: number;
}

const STATE_BUILDING = new StateSlot<StateBuildingState>(() => ({ applied: [] }));

const COVER = { domain: "orders", root: "00000000-0000-4000-8000-00000000b001" };
const UNKNOWN_URL = "type.googleapis.com/examples.elsewhere.Unregistered";

function log(world: AngzarrWorld): Applied[] {
  return world.state(STATE_BUILDING).applied;
}

/** The application's state router: mutating appliers for OrderCreated and ItemAdded, a returning one for OrderShipped. */
function router(world: AngzarrWorld): StateRouter<State> {
  const s = world.state(STATE_BUILDING);
  if (s.router) return s.router;
  const record = (type: string, message: unknown, page: EventPage) => log(world).push({ sequence: headerSequence(page.header), type, message });
  const r = new StateRouter<State>(() => OrderState.create())
    .on(OrderCreated, (s, e, page) => {
      record(OrderCreated.$type, e, page);
      s.customerId = e.customerId;
      s.eventCount += 1;
    })
    .on(ItemAdded, (s, e, page) => {
      record(ItemAdded.$type, e, page);
      s.itemCount += e.quantity;
      s.eventCount += 1;
    })
    .on(OrderShipped, (s, e, page) => {
      record(OrderShipped.$type, e, page);
      return { ...s, shipped: true, eventCount: s.eventCount + 1 };
    })
    .withSnapshot(OrderState);
  s.router = r;
  return r;
}

function draft(world: AngzarrWorld): Draft {
  const s = world.state(STATE_BUILDING);
  s.book ??= { pages: [] };
  return s.book;
}

function freshDraft(world: AngzarrWorld): Draft {
  const d: Draft = { pages: [] };
  world.state(STATE_BUILDING).book = d;
  return d;
}

function snapshotState(sequence: number): State {
  return OrderState.fromPartial({ customerId: "snapshot-customer", itemCount: 10, eventCount: sequence + 1 });
}

function bookOf(d: Draft): EventBook {
  const snapshot = d.snapshot
    ? { sequence: d.snapshot.sequence, state: packAny(OrderState, d.snapshot.state), retention: SnapshotRetention.RETENTION_DEFAULT }
    : undefined;
  return makeEventBook(COVER, d.pages, snapshot);
}

function itemPage(sequence: number, quantity = 1, sku = `sku-${sequence}`): EventPage {
  return makeEventPage(sequence, packAny(ItemAdded, { sku, quantity }));
}

/** A page of a named example event type with sample data. */
function typedPage(sequence: number, type: string, data?: string, quantity?: number): EventPage {
  const codec = codecFor(type, "orders");
  const message = sampleMessage(codec, data);
  if (quantity !== undefined) message.quantity = quantity;
  return makeEventPage(sequence, packAny(codec, message));
}

function builtState(world: AngzarrWorld): State {
  const state = world.state(STATE_BUILDING).built;
  if (!state) throw new Error(`no state was built: ${String(world.lastError)}`);
  return state;
}

/** Rebuilds from the draft book, remembering a copy of the book to check it was not mutated. */
function buildFromDraft(world: AngzarrWorld): void {
  const book = bookOf(draft(world));
  const s = world.state(STATE_BUILDING);
  s.builtBook = book;
  s.bookBefore = structuredClone(book);
  world.state(SHARED_EVENTS).stateRan = true;
  s.built = world.attempt(() => router(world).rebuild(book), { anyError: true });
}

/** A given start state, with a copy to show applying leaves it alone. */
function givenState(world: AngzarrWorld, state: State): void {
  const s = world.state(STATE_BUILDING);
  s.state = state;
  s.stateBefore = structuredClone(state);
}

/** The book the last build step used. */
function builtBook(world: AngzarrWorld): EventBook {
  const book = world.state(STATE_BUILDING).builtBook;
  if (!book) throw new Error("no book was built by an earlier step");
  return book;
}

function appliedSequences(world: AngzarrWorld): Array<number | undefined> {
  return log(world).map((a) => a.sequence);
}

// ---- Givens -------------------------------------------------------------------------

Given("an aggregate type with default state", function (this: AngzarrWorld) {
  router(this);
});

Given("a build_state function", function (this: AngzarrWorld) {
  router(this);
});

Given("an _apply_event function", function (this: AngzarrWorld) {
  router(this);
});

Given("an empty EventBook", function (this: AngzarrWorld) {
  freshDraft(this);
});

Given("an EventBook", function (this: AngzarrWorld) {
  freshDraft(this);
});

Given("no events in the EventBook", function (this: AngzarrWorld) {
  const d = draft(this);
  d.pages = [];
});

Given("an EventBook with no events and no snapshot", function (this: AngzarrWorld) {
  freshDraft(this);
});

Given("an EventBook with {int} event of type {string}", function (this: AngzarrWorld, count: number, type: string) {
  const d = freshDraft(this);
  for (let i = 0; i < count; i++) d.pages.push(typedPage(i, type, `order-${this.nonce}-${i}`));
});

Given("an EventBook with events:", function (this: AngzarrWorld, table: DataTable) {
  // Columns: type (required); sequence, data, quantity (optional). Added to the book set up so far.
  const d = draft(this);
  table.hashes().forEach((row, i) => {
    const sequence = row.sequence !== undefined ? Number(row.sequence) : i;
    d.pages.push(typedPage(sequence, row.type!, row.data, row.quantity !== undefined ? Number(row.quantity) : undefined));
  });
});

Given("an EventBook with:", function (this: AngzarrWorld, table: DataTable) {
  // Rows: "snapshot | <sequence>" and "events | <s1>, <s2>, ..." (ItemAdded, quantity 1 each).
  const d = freshDraft(this);
  const spec = table.rowsHash();
  if (spec.snapshot !== undefined) d.snapshot = { sequence: Number(spec.snapshot), state: snapshotState(Number(spec.snapshot)) };
  for (const seq of (spec.events ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean))
    d.pages.push(itemPage(Number(seq)));
});

Given("an EventBook with a snapshot at sequence {int}", function (this: AngzarrWorld, sequence: number) {
  draft(this).snapshot = { sequence, state: snapshotState(sequence) };
});

Given("an EventBook with snapshot at sequence {int} and no events", function (this: AngzarrWorld, sequence: number) {
  const d = freshDraft(this);
  d.snapshot = { sequence, state: snapshotState(sequence) };
});

Given("an EventBook with snapshot at {int} and events up to {int}", function (this: AngzarrWorld, snap: number, upTo: number) {
  const d = freshDraft(this);
  d.snapshot = { sequence: snap, state: snapshotState(snap) };
  for (let seq = snap + 1; seq <= upTo; seq++) d.pages.push(itemPage(seq));
});

Given("an EventBook with events up to sequence {int}", function (this: AngzarrWorld, upTo: number) {
  const d = freshDraft(this);
  for (let seq = 0; seq <= upTo; seq++) d.pages.push(itemPage(seq));
});

Given("an EventBook with events in order: A, B, C", function (this: AngzarrWorld) {
  // A = OrderCreated, B = ItemAdded, C = OrderShipped, at sequences 0, 1, 2.
  const d = freshDraft(this);
  d.pages.push(
    makeEventPage(0, packAny(OrderCreated, { customerId: "A" })),
    makeEventPage(1, packAny(ItemAdded, { sku: "B", quantity: 2 })),
    makeEventPage(2, packAny(OrderShipped, { address: "C", carrier: "post" })),
  );
});

Given("an EventBook with an event of unknown type", function (this: AngzarrWorld) {
  const d = freshDraft(this);
  d.pages.push(
    makeEventPage(0, packAny(OrderCreated, { customerId: `c-${this.nonce}` })),
    makeEventPage(1, { typeUrl: UNKNOWN_URL, value: Buffer.from([0x0a, 0x01, 0x78]) }),
    itemPage(2, 3),
  );
});

Given("events wrapped in google.protobuf.Any", function (this: AngzarrWorld) {
  const d = freshDraft(this);
  d.pages.push(makeEventPage(0, packAny(OrderCreated, { customerId: `c-${this.nonce}` })), itemPage(1, 2), itemPage(2, 5));
});

Given("an event missing a required field", function (this: AngzarrWorld) {
  // ItemAdded without its sku (and quantity): the fields are simply absent from the bytes.
  setSubject(this, makeEventPage(0, packAny(ItemAdded, ItemAdded.fromPartial({}))));
});

Given("initial state with field value {int}", function (this: AngzarrWorld, value: number) {
  givenState(this, OrderState.fromPartial({ customerId: "existing", itemCount: value, eventCount: 1 }));
});

Given("an existing state object", function (this: AngzarrWorld) {
  givenState(this, OrderState.fromPartial({ customerId: "existing", itemCount: 4, eventCount: 2 }));
});

Given("an event that increments field by {int}", function (this: AngzarrWorld, by: number) {
  setSubject(this, itemPage(0, by));
});

Given("events that increment by {int}, {int}, and {int}", function (this: AngzarrWorld, a: number, b: number, c: number) {
  this.state(STATE_BUILDING).eventPages = [itemPage(0, a), itemPage(1, b), itemPage(2, c)];
});

// ---- Whens --------------------------------------------------------------------------

When("I build state from the EventBook", function (this: AngzarrWorld) {
  buildFromDraft(this);
});

When("I build state from events", function (this: AngzarrWorld) {
  buildFromDraft(this);
});

When("I attempt to build state", function (this: AngzarrWorld) {
  // The book set up so far, else a book holding "the event".
  if (!this.state(STATE_BUILDING).book) freshDraft(this).pages.push(subjectPage(this));
  buildFromDraft(this);
});

function applySubject(world: AngzarrWorld): void {
  const r = router(world);
  const s = world.state(STATE_BUILDING);
  const state = (s.state ??= r.createEmpty());
  world.state(SHARED_EVENTS).stateRan = true;
  const any = subjectAny(world);
  s.built = world.attempt(() => r.applySingle(state, any, subjectPage(world)), { anyError: true });
}

When("I apply the event", function (this: AngzarrWorld) {
  applySubject(this);
});

When("I apply the event to state", function (this: AngzarrWorld) {
  applySubject(this);
});

When("I call _apply_event\\(state, event_any\\)", function (this: AngzarrWorld) {
  applySubject(this);
});

When("I apply all events to state", function (this: AngzarrWorld) {
  const r = router(this);
  const s = this.state(STATE_BUILDING);
  const pages = s.eventPages;
  if (!pages) throw new Error("no events were set up by an earlier step");
  const start = s.state ?? r.createEmpty();
  this.state(SHARED_EVENTS).stateRan = true;
  s.built = this.attempt(() => pages.reduce((state, page) => r.applySingle(state, pageEvent(page)!, page), start), { anyError: true });
});

When("I call build_state\\(state, events\\)", function (this: AngzarrWorld) {
  // build_state from a given start state: applySingle over the book's events in order.
  const r = router(this);
  const pages = draft(this).pages;
  const s = this.state(STATE_BUILDING);
  const start = s.state ?? r.createEmpty();
  s.builtBook = bookOf(draft(this));
  this.state(SHARED_EVENTS).stateRan = true;
  s.built = this.attempt(() => pages.reduce((state, page) => r.applySingle(state, pageEvent(page)!, page), start), { anyError: true });
});

When("I get next_sequence", function (this: AngzarrWorld) {
  this.state(STATE_BUILDING).next = nextSequence(bookOf(draft(this)));
});

// ---- Thens --------------------------------------------------------------------------

Then("the state should be the default state", function (this: AngzarrWorld) {
  expect(builtState(this)).to.deep.equal(OrderState.create());
});

Then("no events should be applied", function (this: AngzarrWorld) {
  expect(this.state(SHARED_EVENTS).stateRan, "a build step ran").to.equal(true);
  expect(log(this)).to.have.length(0);
});

Then("no events should have been applied", function (this: AngzarrWorld) {
  expect(this.state(SHARED_EVENTS).stateRan, "a build step ran").to.equal(true);
  expect(log(this)).to.have.length(0);
});

Then("the state should have order_id set", function (this: AngzarrWorld) {
  expect(builtState(this).customerId).to.match(/^order-/);
});

Then("the state should reflect the OrderCreated event", function (this: AngzarrWorld) {
  const created = unpackAny(OrderCreated, pageEvent(builtBook(this).pages[0]!))!;
  expect(builtState(this).customerId).to.equal(created.customerId);
  expect(log(this).map((a) => a.type)).to.deep.equal([OrderCreated.$type]);
});

Then("the built state should have {int} items", function (this: AngzarrWorld, items: number) {
  expect(builtState(this).itemCount).to.equal(items);
});

Then("the state should reflect all {int} events", function (this: AngzarrWorld, count: number) {
  expect(builtState(this).eventCount).to.equal(count);
  expect(log(this)).to.have.length(count);
});

Then("events should be applied as A, then B, then C", function (this: AngzarrWorld) {
  expect(log(this).map((a) => a.type)).to.deep.equal([OrderCreated.$type, ItemAdded.$type, OrderShipped.$type]);
  expect(appliedSequences(this)).to.deep.equal([0, 1, 2]);
});

Then("final state should reflect the correct order", function (this: AngzarrWorld) {
  // A set the customer, B added 2 items, C (applied last, returning a new state) shipped it.
  expect(builtState(this)).to.deep.include({ customerId: "A", itemCount: 2, shipped: true, eventCount: 3 });
});

Then("the state should equal the snapshot state", function (this: AngzarrWorld) {
  expect(builtState(this)).to.deep.equal(draft(this).snapshot!.state);
  expect(log(this)).to.have.length(0);
});

Then("the state should start from snapshot", function (this: AngzarrWorld) {
  const snap = draft(this).snapshot!;
  const state = builtState(this);
  expect(state.customerId).to.equal(snap.state.customerId);
  expect(state.itemCount).to.equal(snap.state.itemCount + log(this).length);
  expect(state.eventCount).to.equal(snap.state.eventCount + log(this).length);
});

Then("only events {int}, {int}, {int}, {int} should be applied", function (this: AngzarrWorld, a: number, b: number, c: number, d: number) {
  expect(appliedSequences(this)).to.deep.equal([a, b, c, d]);
});

Then("only events at seq {int} and {int} should be applied", function (this: AngzarrWorld, a: number, b: number) {
  expect(appliedSequences(this)).to.deep.equal([a, b]);
});

Then("events at seq {int} and {int} should NOT be applied", function (this: AngzarrWorld, a: number, b: number) {
  const pages = builtBook(this).pages.map((p) => headerSequence(p.header));
  expect(pages, "the book holds them").to.include.members([a, b]);
  expect(appliedSequences(this)).to.not.include.members([a]);
  expect(appliedSequences(this)).to.not.include.members([b]);
});

Then("the unknown event should be skipped", function (this: AngzarrWorld) {
  const book = builtBook(this);
  const unknown = book.pages.find((p) => pageEvent(p)?.typeUrl === UNKNOWN_URL)!;
  expect(appliedSequences(this)).to.not.include(headerSequence(unknown.header));
  expect(builtState(this), "the build finished").to.not.equal(undefined);
});

Then("other events should still be applied", function (this: AngzarrWorld) {
  expect(log(this).map((a) => a.type)).to.deep.equal([OrderCreated.$type, ItemAdded.$type]);
  expect(builtState(this)).to.deep.include({ itemCount: 3, eventCount: 2 });
});

Then("the field should equal {int}", function (this: AngzarrWorld, value: number) {
  expect(builtState(this).itemCount).to.equal(value);
});

Then("the Any wrapper should be unpacked", function (this: AngzarrWorld) {
  const applied = log(this).at(-1)!;
  const any = subjectAny(this);
  expect(applied.type).to.equal(typeNameFromUrl(any.typeUrl));
  expect(applied.message).to.deep.equal(unpackAny(codecFor(typeNameFromUrl(any.typeUrl)), any));
});

Then("the typed event should be applied", function (this: AngzarrWorld) {
  const before = this.state(STATE_BUILDING).stateBefore;
  const quantity = (log(this).at(-1)!.message as { quantity: number }).quantity;
  expect(builtState(this).itemCount).to.equal((before?.itemCount ?? 0) + quantity);
});

Then("the event should be unpacked", function (this: AngzarrWorld) {
  const applied = log(this);
  expect(applied).to.have.length(1);
  expect(applied[0]!.message).to.have.property("$type", typeNameFromUrl(subjectAny(this).typeUrl));
});

Then("state should be mutated", function (this: AngzarrWorld) {
  const { state: given, stateBefore: before } = this.state(STATE_BUILDING);
  expect(builtState(this), "the applier changed the given state in place").to.equal(given);
  expect(given).to.not.deep.equal(before);
});

Then("the correct type handler should be invoked", function (this: AngzarrWorld) {
  const url = subjectAny(this).typeUrl;
  expect(log(this).map((a) => a.type)).to.deep.equal([typeNameFromUrl(url)]);
});

Then("the type_url suffix should match the handler", function (this: AngzarrWorld) {
  const url = subjectAny(this).typeUrl;
  const handled = log(this)[0]!.type;
  expect(url.endsWith(`/${handled}`), `${url} ends with /${handled}`).to.equal(true);
});

Then("an error should be raised", function (this: AngzarrWorld) {
  const err = this.lastError;
  expect(err).to.be.instanceOf(PayloadDecodeError);
  expect(this.state(STATE_BUILDING).built).to.equal(undefined);
});

Then("either default value is used or error is raised", function (this: AngzarrWorld) {
  const err = this.lastError;
  if (err !== undefined) return expect(err).to.be.instanceOf(Error);
  const applied = log(this);
  expect(applied).to.have.length(1);
  expect(applied[0]!.message).to.deep.include({ sku: "", quantity: 0 });
});

Then("the behavior depends on language", function (this: AngzarrWorld) {
  // TypeScript (proto3 through ts-proto): an absent field decodes to its default, no error.
  expect(this.lastError).to.equal(undefined);
  expect(builtState(this)).to.deep.include({ itemCount: 0, eventCount: 1 });
});

Then("the EventBook should be unchanged", function (this: AngzarrWorld) {
  const { builtBook, bookBefore } = this.state(STATE_BUILDING);
  expect(builtBook).to.deep.equal(bookBefore);
});

Then("the EventBook events should still be present", function (this: AngzarrWorld) {
  const book = builtBook(this);
  expect(book.pages.length).to.be.greaterThan(0);
  expect(book.pages.map((p) => headerSequence(p.header))).to.deep.equal(appliedSequences(this));
});

Then("a new state object should be returned", function (this: AngzarrWorld) {
  const given = this.state(STATE_BUILDING).state;
  const result = builtState(this);
  expect(result).to.not.equal(given);
  expect(result.shipped).to.equal(true);
});

Then("the original state should be unchanged", function (this: AngzarrWorld) {
  const { state, stateBefore } = this.state(STATE_BUILDING);
  expect(state).to.deep.equal(stateBefore);
});

Then("_apply_event should be called for each", function (this: AngzarrWorld) {
  const book = builtBook(this);
  expect(appliedSequences(this)).to.deep.equal(book.pages.map((p) => headerSequence(p.header)));
});

Then("each event should be unpacked from Any", function (this: AngzarrWorld) {
  const book = builtBook(this);
  const applied = log(this);
  expect(applied).to.have.length(book.pages.length);
  book.pages.forEach((page, i) => {
    const any = pageEvent(page)!;
    expect(applied[i]!.message, `event ${i}`).to.deep.equal(unpackAny(codecFor(typeNameFromUrl(any.typeUrl)), any));
  });
});

Then("final state should be returned", function (this: AngzarrWorld) {
  const state = builtState(this);
  expect(state.eventCount).to.equal(log(this).length + (this.state(STATE_BUILDING).stateBefore?.eventCount ?? 0));
  const book = builtBook(this);
  const items = book.pages.reduce((sum, p) => sum + (unpackAny(ItemAdded, pageEvent(p))?.quantity ?? 0), 0);
  expect(items, "the events add items").to.be.greaterThan(0);
  expect(state.itemCount).to.equal((this.state(STATE_BUILDING).stateBefore?.itemCount ?? 0) + items);
});

Then("next_sequence should be {int}", function (this: AngzarrWorld, next: number) {
  expect(this.state(STATE_BUILDING).next).to.equal(next);
});
