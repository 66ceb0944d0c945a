/**
 * Steps of state_building.feature: the SDK's StateRouter folding event books into state.
 */
import { Given, Then, When, type DataTable } from "@cucumber/cucumber";
import { expect } from "chai";
import { makeEventBook, makeEventPage, nextSequence, PayloadDecodeError } from "../src/core/index.js";
import { isClientError, Status } from "../src/errors.js";
import { StateRouter } from "../src/handlers/state-router.js";
import { ItemAdded, OrderCreated, OrderShipped, OrderState } from "../examples/gen/examples/orders.js";
import { SnapshotRetention, type EventBook, type EventPage } from "../src/gen/angzarr/types.js";
import { codecFor, pack, sampleMessage } from "./support/messages.js";
import { StateSlot } from "./support/state-slot.js";
import { AngzarrWorld } from "./support/world.js";

type State = ReturnType<typeof OrderState.fromPartial>;
const COVER = { domain: "orders", root: "00000000-0000-4000-8000-000000000001" };

/** The StateRouter under test and what building with it gave (its failure goes to lastError). */
interface StateBuildingState {
  router?: StateRouter<State>;
  book?: EventBook;
  /** A copy of the book taken before building, to show building leaves it alone. */
  bookBefore?: EventBook;
  state?: State;
  /** The states of two builds from one book. */
  states?: State[];
  /** What nextSequence computed. */
  next?: number;
}

const STATE_BUILDING = new StateSlot<StateBuildingState>(() => ({}));

function router(world: AngzarrWorld): StateRouter<State> {
  const r = world.state(STATE_BUILDING).router;
  if (!r) throw new Error("no StateRouter was set up by an earlier step");
  return r;
}

function pagesFrom(table: DataTable): EventPage[] {
  return table.hashes().map((row) => {
    const codec = codecFor(row.event!, "orders");
    const message = sampleMessage(codec, row.data);
    if (row.quantity) message.quantity = Number(row.quantity);
    return makeEventPage(Number(row.sequence), pack(codec, message));
  });
}

function build(world: AngzarrWorld, book: EventBook) {
  const s = world.state(STATE_BUILDING);
  s.book = book;
  world.lastError = undefined;
  try {
    s.state = router(world).rebuild(book);
  } catch (err) {
    world.lastError = err;
  }
}

function state(world: AngzarrWorld): State {
  const s = world.state(STATE_BUILDING).state;
  if (!s) throw new Error(`no state was built: ${String(world.lastError)}`);
  return s;
}

Given("an order state built by a StateRouter with appliers for OrderCreated, ItemAdded and OrderShipped", function (this: AngzarrWorld) {
  const r = new StateRouter<State>(() => OrderState.fromPartial({}))
    .on(OrderCreated, (s, e) => {
      s.customerId = e.customerId;
    })
    .on(ItemAdded, (s, e) => {
      s.itemCount += e.quantity;
    })
    .on(OrderShipped, (s) => ({ ...s, shipped: true }))
    .withSnapshot(OrderState);
  this.state(STATE_BUILDING).router = r;
});

When("I build the state from an empty history", function (this: AngzarrWorld) {
  build(this, makeEventBook(COVER, []));
});

When("I build the state from these events:", function (this: AngzarrWorld, table: DataTable) {
  build(this, makeEventBook(COVER, pagesFrom(table)));
});

When(
  "I build the state from a snapshot at sequence {int} with customer {string} and {int} items and these events:",
  function (this: AngzarrWorld, sequence: number, customer: string, items: number, table: DataTable) {
    const snapshot = {
      sequence,
      state: pack(OrderState, OrderState.fromPartial({ customerId: customer, itemCount: items })),
      retention: SnapshotRetention.RETENTION_DEFAULT,
    };
    build(this, makeEventBook(COVER, pagesFrom(table), snapshot));
  },
);

When("I build the state from a(n) {string} event with corrupt bytes", function (this: AngzarrWorld, type: string) {
  const any = { typeUrl: `type.googleapis.com/${codecFor(type).$type}`, value: Buffer.from([0x0a, 0x7f, 0x61]) };
  build(this, makeEventBook(COVER, [makeEventPage(0, any)]));
});

When("I build the state from a snapshot holding a(n) {string}", function (this: AngzarrWorld, type: string) {
  const codec = codecFor(type);
  const snapshot = { sequence: 0, state: pack(codec, sampleMessage(codec)), retention: SnapshotRetention.RETENTION_DEFAULT };
  build(this, makeEventBook(COVER, [], snapshot));
});

When("I build the state twice from these events:", function (this: AngzarrWorld, table: DataTable) {
  const book = makeEventBook(COVER, pagesFrom(table));
  const s = this.state(STATE_BUILDING);
  s.bookBefore = structuredClone(book);
  s.book = book;
  s.states = [router(this).rebuild(book), router(this).rebuild(book)];
});

When("I build the state from the received events", function (this: AngzarrWorld) {
  build(this, this.requireBook());
});

Then(
  /^the state has customer "([^"]*)" and (\d+) items and is (not )?shipped$/,
  function (this: AngzarrWorld, customer: string, items: string, not: string | null) {
    const s = state(this);
    expect(s.customerId).to.equal(customer);
    expect(s.itemCount).to.equal(Number(items));
    expect(s.shipped).to.equal(!not);
  },
);

Then("the state has {int} items", function (this: AngzarrWorld, items: number) {
  expect(state(this).itemCount).to.equal(items);
});

Then("building fails with a decode error naming {string}", function (this: AngzarrWorld, name: string) {
  const err = this.lastError;
  expect(err, "build error").to.be.instanceOf(PayloadDecodeError);
  expect((err as Error).message).to.include(name);
});

Then("building fails with an invalid argument error", function (this: AngzarrWorld) {
  const err = this.lastError;
  expect(isClientError(err), String(err)).to.equal(true);
  expect((err as { code?: number }).code).to.equal(Status.INVALID_ARGUMENT);
});

Then("the book is unchanged", function (this: AngzarrWorld) {
  const s = this.state(STATE_BUILDING);
  expect(s.book).to.deep.equal(s.bookBefore);
});

Then("the two states are equal but not the same object", function (this: AngzarrWorld) {
  const [a, b] = this.state(STATE_BUILDING).states ?? [];
  expect(a).to.deep.equal(b);
  expect(a).to.not.equal(b);
});

When(
  /^I compute the next sequence of a book with (?:no pages|pages (\d+) to (\d+)) and (?:no snapshot|snapshot at (\d+))$/,
  function (this: AngzarrWorld, from: string | null, to: string | null, snap: string | null) {
    const codec = codecFor("ItemAdded", "orders");
    const pages =
      from === null || from === undefined
        ? []
        : Array.from({ length: Number(to) - Number(from) + 1 }, (_, i) => makeEventPage(Number(from) + i, pack(codec, sampleMessage(codec))));
    const snapshot =
      snap === null || snap === undefined
        ? undefined
        : { sequence: Number(snap), state: pack(OrderState, OrderState.fromPartial({})), retention: SnapshotRetention.RETENTION_DEFAULT };
    this.state(STATE_BUILDING).next = nextSequence(makeEventBook(COVER, pages, snapshot));
  },
);

Then("the next sequence is {int}", function (this: AngzarrWorld, next: number) {
  expect(this.state(STATE_BUILDING).next).to.equal(next);
});
