/**
 * Steps of event_decoding.feature: the SDK's Any helpers on packed and received events.
 */
import { Given, Then, When } from "@cucumber/cucumber";
import { expect } from "chai";
import { anyIs, PayloadDecodeError, unpackAny } from "../src/core/index.js";
import type { Any } from "../src/gen/google/protobuf/any.js";
import { codecFor, emptyMessage, fieldsOf, pack, sampleMessage } from "./support/messages.js";
import { AngzarrWorld, describeError } from "./support/world.js";

function subject(world: AngzarrWorld): Any {
  return world.notes.get("any") as Any;
}

Given("a(n) {string} event packed with data {string}", function (this: AngzarrWorld, type: string, data: string) {
  const codec = codecFor(type);
  this.notes.set("any", pack(codec, sampleMessage(codec, data)));
  this.notes.set("data", data);
});

Given(
  "a(n) {string} event packed with data {string} under the prefix {string}",
  function (this: AngzarrWorld, type: string, data: string, prefix: string) {
    const codec = codecFor(type);
    const any = pack(codec, sampleMessage(codec, data));
    this.notes.set("any", { ...any, typeUrl: `${prefix}${codec.$type}` });
  },
);

Given("a(n) {string} event with empty bytes", function (this: AngzarrWorld, type: string) {
  this.notes.set("any", { typeUrl: `type.googleapis.com/${codecFor(type).$type}`, value: Buffer.alloc(0) });
});

Given("a(n) {string} event with corrupt bytes", function (this: AngzarrWorld, type: string) {
  // Field 1 announced as 127 bytes long, one byte present.
  this.notes.set("any", { typeUrl: `type.googleapis.com/${codecFor(type).$type}`, value: Buffer.from([0x0a, 0x7f, 0x61]) });
});

When("I decode it as {string}", function (this: AngzarrWorld, type: string) {
  this.notes.set("decodeType", type);
  try {
    this.notes.set("decoded", unpackAny(codecFor(type) as never, subject(this)));
  } catch (err) {
    this.notes.set("decodeError", err);
  }
});

Then("the decoded message has data {string}", function (this: AngzarrWorld, data: string) {
  const decoded = this.notes.get("decoded") as Record<string, unknown> | undefined;
  expect(decoded, describeError(this.notes.get("decodeError") ?? "")).to.not.equal(undefined);
  const firstString = fieldsOf(codecFor(this.notes.get("decodeType") as string)).find(([, v]) => typeof v === "string")!;
  expect(decoded![firstString[0]]).to.equal(data);
});

Then("nothing is decoded", function (this: AngzarrWorld) {
  expect(this.notes.get("decodeError"), "no error").to.equal(undefined);
  expect(this.notes.get("decoded")).to.equal(undefined);
});

Then("the event is of type {string}", function (this: AngzarrWorld, name: string) {
  expect(anyIs(subject(this), name)).to.equal(true);
});

Then("the event is not of type {string}", function (this: AngzarrWorld, name: string) {
  expect(anyIs(subject(this), name)).to.equal(false);
});

Then("the decoded message has every field at its default", function (this: AngzarrWorld) {
  const codec = codecFor(this.notes.get("decodeType") as string);
  const decoded = this.notes.get("decoded") as Record<string, unknown>;
  expect(decoded, describeError(this.notes.get("decodeError") ?? "")).to.not.equal(undefined);
  for (const [key, value] of Object.entries(emptyMessage(codec))) expect(decoded[key], key).to.deep.equal(value);
});

Then("decoding fails with an error naming {string}", function (this: AngzarrWorld, name: string) {
  const err = this.notes.get("decodeError");
  expect(err, "decode error").to.be.instanceOf(PayloadDecodeError);
  expect((err as Error).message).to.include(name);
});

Then(
  "the response events decode as {string}, {string}, {string}",
  function (this: AngzarrWorld, a: string, b: string, c: string) {
    const pages = this.responsePages();
    const names = [a, b, c];
    expect(pages).to.have.length(3);
    pages.forEach((page, i) => {
      const any = page.payload?.$case === "event" ? page.payload.value : undefined;
      const decoded = unpackAny(codecFor(names[i]!) as never, any);
      expect(decoded, `event ${i} as ${names[i]}`).to.not.equal(undefined);
    });
  },
);

Then("{int} of the events decode as {string}", function (this: AngzarrWorld, count: number, type: string) {
  const codec = codecFor(type);
  const decoded = this.receivedPages()
    .map((p) => (p.payload?.$case === "event" ? unpackAny(codec as never, p.payload.value) : undefined))
    .filter((m) => m !== undefined);
  expect(decoded).to.have.length(count);
});
