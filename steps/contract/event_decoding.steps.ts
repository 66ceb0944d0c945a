/**
 * Contract phrasings of the shared event_decoding.feature (step-vocabulary.txt section 2),
 * driving the SDK's Any helpers (packAny / unpackAny / anyIs / typeNameFromUrl), its page
 * helpers and PayloadDecodeError in-process; "a CommandResponse with events" is a real
 * response of the coordinator.
 *
 * Type matching: our SDK matches a payload by its FULL message name, whatever the URL prefix
 * (the project's and parity's decision, CONTRACTS.md part C #4). Phrasings that say "suffix"
 * pass the text to that full-name match, so a short name such as "OrderCreated" does not
 * match "examples.orders.OrderCreated" (our scenario shows it; core's contract expects a match).
 */
import { Given, Then, When, type DataTable } from "@cucumber/cucumber";
import { expect } from "chai";
import {
  anyIs,
  headerSequence,
  makeEventPage,
  packAny,
  pageEvent,
  PayloadDecodeError,
  timestampToDate,
  toTimestamp,
  typeNameFromUrl,
  unpackAny,
} from "../../src/core/index.js";
import { TYPE_URL_PREFIX } from "../../src/core/any.js";
import { timestampToRfc3339 } from "../../src/core/time.js";
import { CommandResponse } from "../../src/gen/angzarr/command_handler.js";
import { PayloadStorageType, type EventPage } from "../../src/gen/angzarr/types.js";
import type { Any } from "../../src/gen/google/protobuf/any.js";
import type { Timestamp } from "../../src/gen/google/protobuf/timestamp.js";
import { ItemAdded, OrderCreated, OrderShipped } from "../../examples/gen/examples/orders.js";
import type { MessageType } from "../../src/core/message.js";
import { codecFor, sampleMessage } from "../support/messages.js";
import { StateSlot } from "../support/state-slot.js";
import { AngzarrWorld } from "../support/world.js";
import { codecOfUrl, CORRUPT_BYTES, pageOf, setSubject, SHARED_EVENTS, subjectAny, subjectPage } from "./support/b-events.js";

/** What "When I decode" found on the subject page. */
interface DecodedPage {
  sequence: number | undefined;
  createdAt: Timestamp | undefined;
  payloadCase: string | undefined;
  any: Any | undefined;
  message: Record<string, unknown> | undefined;
}

/** The message a Given encoded into the subject, and its type's message with every field at its default. */
interface Expected {
  message: object;
  defaults: object;
}

/** One event of a list a Given built, with the message it carries. */
interface ListedEvent {
  page: EventPage;
  message: object;
}

/** What the event decoding steps set up and found (a decode failure goes to lastError). */
interface DecodingState {
  expected?: Expected;
  /** created_at of the subject page. */
  timestamp?: Timestamp;
  /** The decode_event function under test. */
  decodeEvent?: typeof decodeByName;
  response?: CommandResponse;
  events?: ListedEvent[];
  /** Pages that differ only in their type URL. */
  urlEvents?: EventPage[];
  /** What the last decode gave. */
  decoded?: unknown;
  decodedPage?: DecodedPage;
  decodedList?: unknown[];
  filtered?: EventPage[];
  match?: boolean;
  /** One match result per page of urlEvents. */
  matches?: boolean[];
  responsePages?: EventPage[];
}

const DECODING = new StateSlot<DecodingState>(() => ({}));

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** The expected message and defaults of a message type. */
function expectation<T extends object>(type: MessageType<T> & { fromPartial(object: object): T }, message: T): Expected {
  return { message, defaults: type.fromPartial({}) };
}

/** An event of a list: the message packed in a page at the sequence. */
function listed<T extends object>(sequence: number, type: MessageType<T>, message: T): ListedEvent {
  return { page: makeEventPage(sequence, packAny(type, message)), message };
}

/** Fields of a message other than $type, in declaration order. */
function fields(message: object): Array<[string, unknown]> {
  return Object.entries(message).filter(([key]) => key !== "$type");
}

/**
 * The decode_event(event, name) helper of the other SDKs, in our terms: the SDK's anyIs(any,
 * name) decides whether the payload is of that full message name, and unpackAny decodes it
 * with the generated codec of that name (the examples' codecs stand for the application's).
 * undefined plays None/null.
 */
function decodeByName(any: Any | undefined, name: string): Record<string, unknown> | undefined {
  if (!anyIs(any, name)) return undefined;
  return unpackAny(codecFor(name), any);
}

/** What the last decode gave: a message, or undefined for none (or a failure). */
function decoded(world: AngzarrWorld): Record<string, unknown> | undefined {
  if (!world.state(SHARED_EVENTS).decodeRan) throw new Error("no decode step ran");
  const value = world.state(DECODING).decoded;
  return isRecord(value) ? value : undefined;
}

function recordDecode(world: AngzarrWorld, fn: () => unknown): void {
  world.state(SHARED_EVENTS).decodeRan = true;
  world.state(DECODING).decoded = world.attempt(fn, { anyError: true });
}

function decodedPage(world: AngzarrWorld): DecodedPage {
  const result = world.state(DECODING).decodedPage;
  if (!result) throw new Error(`"When I decode" did not run or failed: ${String(world.lastError)}`);
  return result;
}

/** The expected message of the subject (what a Given encoded), with its type's defaults. */
function expected(world: AngzarrWorld): Expected {
  const value = world.state(DECODING).expected;
  if (!value) throw new Error("no expected message was set up by an earlier step");
  return value;
}

function withoutType(message: unknown): Record<string, unknown> | undefined {
  if (!isRecord(message)) return undefined;
  return Object.fromEntries(fields(message));
}

/** Pages of a list of events a Given built. */
function eventList(world: AngzarrWorld): ListedEvent[] {
  const list = world.state(DECODING).events;
  if (!list) throw new Error("no list of events was set up by an earlier step");
  return list;
}

/** The list a "decode each" step decoded. */
function decodedList(world: AngzarrWorld): unknown[] {
  const list = world.state(DECODING).decodedList;
  if (!list) throw new Error("no list was decoded by an earlier step");
  return list;
}

function shortOf(page: EventPage): string {
  const name = typeNameFromUrl(pageEvent(page)!.typeUrl);
  return name.slice(name.lastIndexOf(".") + 1);
}

// ---- Givens -------------------------------------------------------------------------

Given("an event with type_url {string}", function (this: AngzarrWorld, url: string) {
  // The payload is a filled-in message of that type when the examples define it (by full name).
  const codec = codecOfUrl(url);
  const message = codec ? sampleMessage(codec, `data-${this.nonce}`) : {};
  setSubject(this, pageOf({ typeUrl: url, value: codec ? Buffer.from(codec.encode(message).finish()) : Buffer.alloc(0) }));
  if (codec) this.state(DECODING).expected = expectation(codec, message);
});

Given("an event with type_url ending in {string}", function (this: AngzarrWorld, ending: string) {
  const url = `${TYPE_URL_PREFIX}${ending}`;
  const codec = codecOfUrl(url);
  const message = codec ? sampleMessage(codec, `data-${this.nonce}`) : {};
  setSubject(this, pageOf({ typeUrl: url, value: codec ? Buffer.from(codec.encode(message).finish()) : Buffer.alloc(0) }));
  if (codec) this.state(DECODING).expected = expectation(codec, message);
});

Given("valid protobuf bytes for OrderCreated", function (this: AngzarrWorld) {
  const message = OrderCreated.fromPartial({ customerId: `customer-${this.nonce}` });
  const url = this.state(SHARED_EVENTS).page ? subjectAny(this).typeUrl : `${TYPE_URL_PREFIX}${OrderCreated.$type}`;
  setSubject(this, pageOf({ typeUrl: url, value: Buffer.from(OrderCreated.encode(message).finish()) }));
  this.state(DECODING).expected = expectation(OrderCreated, message);
});

Given("an event with properly encoded payload", function (this: AngzarrWorld) {
  const message = ItemAdded.fromPartial({ sku: `sku-${this.nonce}`, quantity: 7 });
  setSubject(this, pageOf(packAny(ItemAdded, message)));
  this.state(DECODING).expected = expectation(ItemAdded, message);
});

Given("an event with empty payload bytes", function (this: AngzarrWorld) {
  setSubject(this, pageOf({ typeUrl: `${TYPE_URL_PREFIX}${OrderCreated.$type}`, value: Buffer.alloc(0) }));
  this.state(DECODING).expected = expectation(OrderCreated, OrderCreated.fromPartial({}));
});

Given("an Event Any with empty value", function (this: AngzarrWorld) {
  setSubject(this, pageOf({ typeUrl: `${TYPE_URL_PREFIX}${ItemAdded.$type}`, value: Buffer.alloc(0) }));
  this.state(DECODING).expected = expectation(ItemAdded, ItemAdded.fromPartial({}));
});

Given("an event with corrupted payload bytes", function (this: AngzarrWorld) {
  setSubject(this, pageOf({ typeUrl: `${TYPE_URL_PREFIX}${OrderCreated.$type}`, value: CORRUPT_BYTES }));
});

Given("an EventPage at sequence {int}", function (this: AngzarrWorld, sequence: number) {
  setSubject(this, makeEventPage(sequence, packAny(OrderCreated, { customerId: `customer-${this.nonce}` })));
});

Given("an EventPage with timestamp", function (this: AngzarrWorld) {
  const at = toTimestamp("2024-01-15T10:30:00.250Z");
  this.state(DECODING).timestamp = at;
  setSubject(this, makeEventPage(1, packAny(OrderCreated, { customerId: `customer-${this.nonce}` }), at));
});

Given("an EventPage with Event payload", function (this: AngzarrWorld) {
  const message = OrderCreated.fromPartial({ customerId: `customer-${this.nonce}` });
  setSubject(this, makeEventPage(2, packAny(OrderCreated, message)));
  this.state(DECODING).expected = expectation(OrderCreated, message);
});

Given("an EventPage with offloaded payload", function (this: AngzarrWorld) {
  // An event stored outside the book: the page carries a PayloadReference (the "external" case).
  const page: EventPage = {
    header: { sequenceType: { $case: "sequence", value: 4 } },
    createdAt: toTimestamp("2024-01-15T10:30:00Z"),
    payload: {
      $case: "external",
      value: {
        storageType: PayloadStorageType.PAYLOAD_STORAGE_TYPE_S3,
        uri: `s3://angzarr-payloads/orders/${this.nonce}`,
        contentHash: Buffer.from("9f86d081884c7d659a2feaa0c55ad015", "hex"),
        originalSize: 3_145_728,
        storedAt: toTimestamp("2024-01-15T10:30:01Z"),
      },
    },
    noCommit: false,
  };
  setSubject(this, page);
});

Given("an EventPage with payload = None", function (this: AngzarrWorld) {
  // None/null is an absent oneof: `payload` undefined.
  setSubject(this, { header: { sequenceType: { $case: "sequence", value: 0 } }, payload: undefined, noCommit: false });
});

Given("the decode_event<T>\\(event, type_suffix\\) function", function (this: AngzarrWorld) {
  // Our decode_event is decodeByName above: anyIs + unpackAny, by full message name.
  this.state(DECODING).decodeEvent = decodeByName;
});

Given("a CommandResponse with events", async function (this: AngzarrWorld) {
  // A real response: ProcessOrder on a new order stores three events.
  const { domain, root } = this.newAggregate("orders");
  const command = { ...this.commandFor(domain, { type: "ProcessOrder", data: `note-${this.nonce}`, sequence: 0 }), root };
  this.state(DECODING).response = await this.execute(command);
});

Given("a CommandResponse with no events", function (this: AngzarrWorld) {
  // A response without an events book, as it arrives on the wire (no field set).
  this.state(DECODING).response = CommandResponse.decode(new Uint8Array(0));
});

Given("{int} events all of type {string}", function (this: AngzarrWorld, count: number, type: string) {
  const codec = codecFor(type);
  const list = Array.from({ length: count }, (_, i) => {
    const message = sampleMessage(codec, `${type}-${i}-${this.nonce}`);
    return { page: makeEventPage(i, packAny(codec, message)), message };
  });
  this.state(DECODING).events = list;
});

Given("events: OrderCreated, ItemAdded, ItemAdded, OrderShipped", function (this: AngzarrWorld) {
  this.state(DECODING).events = [
    listed(0, OrderCreated, OrderCreated.fromPartial({ customerId: `c-${this.nonce}` })),
    listed(1, ItemAdded, ItemAdded.fromPartial({ sku: "sku-1", quantity: 1 })),
    listed(2, ItemAdded, ItemAdded.fromPartial({ sku: "sku-2", quantity: 2 })),
    listed(3, OrderShipped, OrderShipped.fromPartial({ address: "1 Main St", carrier: "ups" })),
  ];
});

Given("events with type_urls:", function (this: AngzarrWorld, table: DataTable) {
  // One type URL per row (first cell); a "type_url" header row is skipped.
  const urls = table
    .raw()
    .map((row) => row[0]!.trim())
    .filter((cell) => cell !== "" && cell !== "type_url");
  this.state(DECODING).urlEvents = urls.map((url) => pageOf({ typeUrl: url, value: Buffer.alloc(0) }));
});

// ---- Whens --------------------------------------------------------------------------

When("I decode the event as OrderCreated", function (this: AngzarrWorld) {
  const any = subjectAny(this);
  recordDecode(this, () => unpackAny(OrderCreated, any));
});

When("I decode looking for suffix {string}", function (this: AngzarrWorld, name: string) {
  const any = subjectAny(this);
  recordDecode(this, () => decodeByName(any, name));
});

When("I call decode_event\\(event, {string}\\)", function (this: AngzarrWorld, name: string) {
  const decodeEvent = this.state(DECODING).decodeEvent ?? decodeByName;
  const any = subjectAny(this);
  recordDecode(this, () => decodeEvent(any, name));
});

When("I decode", function (this: AngzarrWorld) {
  const page = subjectPage(this);
  this.state(SHARED_EVENTS).decodeRan = true;
  const result = this.attempt(
    (): DecodedPage => {
      const any = pageEvent(page);
      const codec = any ? codecOfUrl(any.typeUrl) : undefined;
      return {
        sequence: headerSequence(page.header),
        createdAt: page.createdAt,
        payloadCase: page.payload?.$case,
        any,
        message: codec ? unpackAny(codec, any) : undefined,
      };
    },
    { anyError: true },
  );
  const s = this.state(DECODING);
  s.decodedPage = result;
  s.decoded = result?.message;
});

When("I decode the payload", function (this: AngzarrWorld) {
  const page = subjectPage(this);
  // pageEvent gives undefined for a page without an inline event; unpackAny passes it through.
  recordDecode(this, () => unpackAny(OrderCreated, pageEvent(page)));
});

When("I decode the payload bytes", function (this: AngzarrWorld) {
  const any = subjectAny(this);
  const codec = codecOfUrl(any.typeUrl);
  if (!codec) throw new Error(`no example type for ${any.typeUrl}`);
  recordDecode(this, () => unpackAny(codec, any));
});

When("I attempt to decode", function (this: AngzarrWorld) {
  const any = subjectAny(this);
  const codec = codecOfUrl(any.typeUrl);
  if (!codec) throw new Error(`no example type for ${any.typeUrl}`);
  recordDecode(this, () => unpackAny(codec, any));
});

When("I decode each as ItemAdded", function (this: AngzarrWorld) {
  this.state(DECODING).decodedList = eventList(this).map(({ page }) => this.attempt(() => unpackAny(ItemAdded, pageEvent(page)), { anyError: true }));
});

When("I decode by type", function (this: AngzarrWorld) {
  // Each page decoded with the codec its own type URL names.
  this.state(DECODING).decodedList = eventList(this).map(({ page }) => {
    const any = pageEvent(page)!;
    return this.attempt(
      () => {
        const codec = codecOfUrl(any.typeUrl);
        if (!codec) throw new Error(`no example type for ${any.typeUrl}`);
        return unpackAny(codec, any);
      },
      { anyError: true },
    );
  });
});

When("I filter for {string} events", function (this: AngzarrWorld, name: string) {
  // anyIs compares the full message name ("examples.orders.ItemAdded").
  this.state(DECODING).filtered = eventList(this)
    .map(({ page }) => page)
    .filter((page) => anyIs(pageEvent(page), name));
});

When("I match against suffix {string}", function (this: AngzarrWorld, name: string) {
  // "suffix" is our full message name: anyIs ignores the URL prefix, not the package.
  this.state(DECODING).match = anyIs(subjectAny(this), name);
});

When("I match against {string}", function (this: AngzarrWorld, target: string) {
  // A whole type URL is compared as is; a message name through anyIs (any prefix).
  const matches = (any: Any | undefined) => (target.includes("/") ? any?.typeUrl === target : anyIs(any, target));
  const s = this.state(DECODING);
  if (s.urlEvents) s.matches = s.urlEvents.map((page) => matches(pageEvent(page)));
  else s.match = matches(subjectAny(this));
});

When("I call events_from_response\\(response\\)", function (this: AngzarrWorld) {
  // TypeScript has no helper for this: the generated `events` field is optional, so the
  // idiom is `response.events?.pages ?? []` (an empty array where Python returns []).
  const s = this.state(DECODING);
  if (!s.response) throw new Error("no CommandResponse was set up by an earlier step");
  s.responsePages = s.response.events?.pages ?? [];
});

// ---- Thens --------------------------------------------------------------------------

Then("decoding should succeed", function (this: AngzarrWorld) {
  expect(this.lastError, "decode error").to.equal(undefined);
  expect(decoded(this), "decoded message").to.not.equal(undefined);
});

Then("I should get an OrderCreated message", function (this: AngzarrWorld) {
  const message = decoded(this);
  expect(message?.$type).to.equal(OrderCreated.$type);
  expect(withoutType(message)).to.deep.equal(withoutType(expected(this).message));
});

Then("the full type_url prefix should be ignored", function (this: AngzarrWorld) {
  const any = subjectAny(this);
  const prefix = any.typeUrl.slice(0, any.typeUrl.lastIndexOf("/") + 1);
  expect(prefix, "the event uses another prefix").to.not.equal(TYPE_URL_PREFIX);
  expect(withoutType(decoded(this))).to.deep.equal(withoutType(expected(this).message));
});

Then("decoding should return None\\/null", function (this: AngzarrWorld) {
  expect(this.lastError, "decode error").to.equal(undefined);
  expect(decoded(this)).to.equal(undefined);
});

Then("no error should be raised", function (this: AngzarrWorld) {
  expect(this.state(SHARED_EVENTS).decodeRan, "a decode step ran").to.equal(true);
  expect(this.lastError).to.equal(undefined);
});

Then("no crash should occur", function (this: AngzarrWorld) {
  expect(this.state(SHARED_EVENTS).decodeRan, "a decode step ran").to.equal(true);
  expect(this.lastError, "the decode raised").to.equal(undefined);
});

Then("no error should occur \\(empty protobuf is valid\\)", function (this: AngzarrWorld) {
  expect(this.lastError).to.equal(undefined);
  expect(decoded(this), "decoded message").to.not.equal(undefined);
});

Then("the message should have default values", function (this: AngzarrWorld) {
  const message = decoded(this)!;
  for (const [key, value] of fields(expected(this).defaults)) expect(message[key], key).to.deep.equal(value);
});

Then("the result should be a default message", function (this: AngzarrWorld) {
  const message = decoded(this);
  expect(message, "decoded message").to.not.equal(undefined);
  expect(message).to.deep.equal(expected(this).defaults);
});

Then("the protobuf message should deserialize correctly", function (this: AngzarrWorld) {
  expect(this.lastError, "decode error").to.equal(undefined);
  expect(withoutType(decoded(this))).to.deep.equal(withoutType(expected(this).message));
});

Then("all fields should be populated", function (this: AngzarrWorld) {
  const message = decoded(this)!;
  for (const [key, empty] of fields(expected(this).defaults)) expect(message[key], key).to.not.deep.equal(empty);
});

Then("decoding should fail", function (this: AngzarrWorld) {
  expect(this.lastError, "decode error").to.not.equal(undefined);
  expect(this.state(DECODING).decoded).to.equal(undefined);
});

Then("an error should indicate deserialization failure", function (this: AngzarrWorld) {
  const err = this.lastError;
  expect(err).to.be.instanceOf(PayloadDecodeError);
  expect((err as Error).message).to.match(/cannot decode payload of type .*OrderCreated/);
});

Then("event.sequence should be {int}", function (this: AngzarrWorld, sequence: number) {
  expect(decodedPage(this).sequence).to.equal(sequence);
});

Then("event.created_at should be a valid timestamp", function (this: AngzarrWorld) {
  const at = decodedPage(this).createdAt;
  expect(at, "created_at").to.not.equal(undefined);
  expect(Number.isNaN(timestampToDate(at!).getTime())).to.equal(false);
  expect(at!.nanos).to.be.within(0, 999_999_999);
});

Then("the timestamp should be parseable", function (this: AngzarrWorld) {
  const text = timestampToRfc3339(decodedPage(this).createdAt!);
  const given = this.state(DECODING).timestamp;
  if (!given) throw new Error("no timestamp was set up by an earlier step");
  expect(Number.isNaN(Date.parse(text)), text).to.equal(false);
  expect(new Date(text).toISOString()).to.equal(timestampToDate(given).toISOString());
});

Then("event.payload should be {word} variant", function (this: AngzarrWorld, variant: string) {
  // The other SDKs' variant names: Event -> our oneof case "event", PayloadReference -> "external".
  const cases: Record<string, string> = { Event: "event", event: "event", PayloadReference: "external", External: "external", external: "external" };
  expect(cases[variant], `known variant ${variant}`).to.not.equal(undefined);
  expect(decodedPage(this).payloadCase).to.equal(cases[variant]);
});

Then("the Event should contain the Any wrapper", function (this: AngzarrWorld) {
  const any = decodedPage(this).any;
  expect(any?.typeUrl).to.equal(`${TYPE_URL_PREFIX}${OrderCreated.$type}`);
  expect(withoutType(unpackAny(OrderCreated, any))).to.deep.equal(withoutType(expected(this).message));
});

Then("the reference should contain storage details", function (this: AngzarrWorld) {
  const page = subjectPage(this);
  expect(decodedPage(this).payloadCase).to.equal("external");
  if (page.payload?.$case !== "external") throw new Error("no payload reference");
  const ref = page.payload.value;
  expect(ref.storageType).to.equal(PayloadStorageType.PAYLOAD_STORAGE_TYPE_S3);
  expect(ref.uri).to.match(/^s3:\/\//);
  expect(ref.contentHash.length).to.be.greaterThan(0);
  expect(ref.originalSize).to.be.greaterThan(0);
  expect(decodedPage(this).any, "no inline event").to.equal(undefined);
});

Then("the match should succeed", function (this: AngzarrWorld) {
  expect(this.state(DECODING).match).to.equal(true);
});

Then("the match should fail", function (this: AngzarrWorld) {
  expect(this.state(DECODING).match).to.equal(false);
});

Then("only the v1 event should match", function (this: AngzarrWorld) {
  const { urlEvents: pages = [], matches = [] } = this.state(DECODING);
  const matched = pages.filter((_, i) => matches[i]).map((p) => pageEvent(p)!.typeUrl);
  expect(matched).to.have.length(1);
  expect(matched[0]).to.match(/v1/i);
  expect(pages.length, "other versions were offered").to.be.greaterThan(1);
});

Then("if type matches, Some\\(T\\) is returned", function (this: AngzarrWorld) {
  expect(this.lastError).to.equal(undefined);
  expect(withoutType(decoded(this))).to.deep.equal(withoutType(expected(this).message));
});

Then("if type doesn't match, None is returned", function (this: AngzarrWorld) {
  const decodeEvent = this.state(DECODING).decodeEvent ?? decodeByName;
  const any = subjectAny(this);
  const other = anyIs(any, ItemAdded) ? OrderCreated.$type : ItemAdded.$type;
  expect(decodeEvent(any, other)).to.equal(undefined);
});

Then("I should get a slice\\/list of EventPages", function (this: AngzarrWorld) {
  const pages = this.state(DECODING).responsePages;
  expect(Array.isArray(pages)).to.equal(true);
  expect(pages!.map((p) => headerSequence(p.header))).to.deep.equal([0, 1, 2]);
  for (const page of pages!) expect(page.payload?.$case).to.equal("event");
});

Then("I should get an empty slice\\/list", function (this: AngzarrWorld) {
  const pages = this.state(DECODING).responsePages;
  expect(Array.isArray(pages)).to.equal(true);
  expect(pages).to.have.length(0);
});

Then("all {int} should decode successfully", function (this: AngzarrWorld, count: number) {
  const list = decodedList(this);
  expect(this.lastError).to.equal(undefined);
  expect(list).to.have.length(count);
  expect(list.filter((m) => m !== undefined)).to.have.length(count);
});

Then("each should have correct data", function (this: AngzarrWorld) {
  const list = decodedList(this);
  eventList(this).forEach(({ message }, i) => expect(withoutType(list[i]), `event ${i}`).to.deep.equal(withoutType(message)));
});

Then("{word} should decode as {word}", function (this: AngzarrWorld, source: string, target: string) {
  const list = decodedList(this).map((m) => (isRecord(m) ? m : undefined));
  const events = eventList(this);
  const indexes = events.map((e, i) => (shortOf(e.page) === source ? i : -1)).filter((i) => i >= 0);
  expect(indexes.length, `events of type ${source}`).to.be.greaterThan(0);
  for (const i of indexes) {
    expect(list[i]?.$type, `event ${i}`).to.equal(codecFor(target).$type);
    expect(withoutType(list[i]), `event ${i}`).to.deep.equal(withoutType(events[i]!.message));
  }
});

Then("ItemAdded events should decode as ItemAdded", function (this: AngzarrWorld) {
  const list = decodedList(this).map((m) => (isRecord(m) ? m : undefined));
  const events = eventList(this);
  const indexes = events.map((e, i) => (shortOf(e.page) === "ItemAdded" ? i : -1)).filter((i) => i >= 0);
  expect(indexes.length).to.be.greaterThan(1);
  for (const i of indexes) {
    expect(list[i]?.$type).to.equal(ItemAdded.$type);
    expect(withoutType(list[i])).to.deep.equal(withoutType(events[i]!.message));
  }
});

Then("I should get {int} events", function (this: AngzarrWorld, count: number) {
  expect(this.state(DECODING).filtered).to.have.length(count);
});

Then("both should be ItemAdded type", function (this: AngzarrWorld) {
  const filtered = this.state(DECODING).filtered;
  expect(filtered).to.have.length(2);
  for (const page of filtered!) expect(unpackAny(ItemAdded, pageEvent(page))?.$type).to.equal(ItemAdded.$type);
});

// Shared with state_building.feature: the last decode, build or apply raised nothing.
Then("no error should occur", function (this: AngzarrWorld) {
  expect(this.lastError).to.equal(undefined);
  const { decodeRan, stateRan } = this.state(SHARED_EVENTS);
  const ran = decodeRan || stateRan;
  expect(ran, "a decode or state step ran").to.equal(true);
});
