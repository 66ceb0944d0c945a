/**
 * Steps of event_decoding.feature: the SDK's Any helpers on packed and received events.
 */
import { Given, Then, When } from "@cucumber/cucumber";
import { expect } from "chai";
import { anyIs, PayloadDecodeError, unpackAny } from "../src/core/index.js";
import type { Any } from "../src/gen/google/protobuf/any.js";
import { codecFor, emptyMessage, fieldsOf, pack, sampleMessage } from "./support/messages.js";
import { StateSlot } from "./support/state-slot.js";
import { AngzarrWorld, describeError } from "./support/world.js";

/** The packed event under test and what decoding it gave (its failure goes to lastError). */
interface DecodingState {
  any?: Any;
  /** The type name "I decode it as" used. */
  decodeType?: string;
  decoded?: Record<string, unknown>;
}

const DECODING = new StateSlot<DecodingState>(() => ({}));

function subject(world: AngzarrWorld): Any {
  const any = world.state(DECODING).any;
  if (!any) throw new Error("no event was packed by an earlier step");
  return any;
}

function decodeType(world: AngzarrWorld): string {
  const type = world.state(DECODING).decodeType;
  if (type === undefined) throw new Error("no decode step ran");
  return type;
}

Given("a(n) {string} event packed with data {string}", function (this: AngzarrWorld, type: string, data: string) {
  const codec = codecFor(type);
  this.state(DECODING).any = pack(codec, sampleMessage(codec, data));
});

Given(
  "a(n) {string} event packed with data {string} under the prefix {string}",
  function (this: AngzarrWorld, type: string, data: string, prefix: string) {
    const codec = codecFor(type);
    const any = pack(codec, sampleMessage(codec, data));
    this.state(DECODING).any = { ...any, typeUrl: `${prefix}${codec.$type}` };
  },
);

Given("a(n) {string} event with empty bytes", function (this: AngzarrWorld, type: string) {
  this.state(DECODING).any = { typeUrl: `type.googleapis.com/${codecFor(type).$type}`, value: Buffer.alloc(0) };
});

Given("a(n) {string} event with corrupt bytes", function (this: AngzarrWorld, type: string) {
  // Field 1 announced as 127 bytes long, one byte present.
  this.state(DECODING).any = { typeUrl: `type.googleapis.com/${codecFor(type).$type}`, value: Buffer.from([0x0a, 0x7f, 0x61]) };
});

When("I decode it as {string}", function (this: AngzarrWorld, type: string) {
  const s = this.state(DECODING);
  s.decodeType = type;
  this.lastError = undefined;
  try {
    s.decoded = unpackAny(codecFor(type), subject(this));
  } catch (err) {
    this.lastError = err;
  }
});

Then("the decoded message has data {string}", function (this: AngzarrWorld, data: string) {
  const decoded = this.state(DECODING).decoded;
  expect(decoded, this.lastError === undefined ? "" : describeError(this.lastError)).to.not.equal(undefined);
  const firstString = fieldsOf(codecFor(decodeType(this))).find(([, v]) => typeof v === "string")!;
  expect(decoded![firstString[0]]).to.equal(data);
});

Then("nothing is decoded", function (this: AngzarrWorld) {
  expect(this.lastError, "no error").to.equal(undefined);
  expect(this.state(DECODING).decoded).to.equal(undefined);
});

Then("the event is of type {string}", function (this: AngzarrWorld, name: string) {
  expect(anyIs(subject(this), name)).to.equal(true);
});

Then("the event is not of type {string}", function (this: AngzarrWorld, name: string) {
  expect(anyIs(subject(this), name)).to.equal(false);
});

Then("the decoded message has every field at its default", function (this: AngzarrWorld) {
  const codec = codecFor(decodeType(this));
  const decoded = this.state(DECODING).decoded;
  expect(decoded, this.lastError === undefined ? "" : describeError(this.lastError)).to.not.equal(undefined);
  for (const [key, value] of Object.entries(emptyMessage(codec))) expect(decoded![key], key).to.deep.equal(value);
});

Then("decoding fails with an error naming {string}", function (this: AngzarrWorld, name: string) {
  const err = this.lastError;
  expect(err, "decode error").to.be.instanceOf(PayloadDecodeError);
  expect((err as Error).message).to.include(name);
});

Then("the response events decode as {string}, {string}, {string}", function (this: AngzarrWorld, a: string, b: string, c: string) {
  const pages = this.responsePages();
  const names = [a, b, c];
  expect(pages).to.have.length(3);
  pages.forEach((page, i) => {
    const any = page.payload?.$case === "event" ? page.payload.value : undefined;
    const decoded = unpackAny(codecFor(names[i]!), any);
    expect(decoded, `event ${i} as ${names[i]}`).to.not.equal(undefined);
  });
});

Then("{int} of the events decode as {string}", function (this: AngzarrWorld, count: number, type: string) {
  const codec = codecFor(type);
  const decoded = this.receivedPages()
    .map((p) => (p.payload?.$case === "event" ? unpackAny(codec, p.payload.value) : undefined))
    .filter((m) => m !== undefined);
  expect(decoded).to.have.length(count);
});
