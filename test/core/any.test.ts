import { describe, it } from "node:test";
import { expect } from "chai";
import {
  anyIs,
  FRAMEWORK_TYPE_URL_PREFIX,
  packAny,
  PayloadDecodeError,
  TYPE_URL_PREFIX,
  typeNameFromUrl,
  typeUrl,
  unpackAny,
} from "../../src/core/any.js";
import { assertMessageType, encodeMessage } from "../../src/core/message.js";
import { Cover, NoOp } from "../../src/gen/angzarr/types.js";
import { throwsWith } from "../support/assertions.js";

const noop: NoOp = { originalSequence: 7, cascadeId: "c-1", reason: "hidden" };

describe("type URLs", () => {
  it("builds type.googleapis.com/<full name> from a codec or a name", () => {
    expect(TYPE_URL_PREFIX).to.equal("type.googleapis.com/");
    expect(typeUrl(NoOp)).to.equal("type.googleapis.com/angzarr.NoOp");
    expect(typeUrl("examples.orders.CreateOrder")).to.equal("type.googleapis.com/examples.orders.CreateOrder");
  });

  it("takes the name after the last slash", () => {
    expect(typeNameFromUrl("type.googleapis.com/angzarr.NoOp")).to.equal("angzarr.NoOp");
    expect(typeNameFromUrl("type.angzarr.io/angzarr.NoOp")).to.equal("angzarr.NoOp");
    expect(typeNameFromUrl("example.com/a/b/pkg.Msg")).to.equal("pkg.Msg");
    expect(typeNameFromUrl("pkg.Msg")).to.equal("pkg.Msg");
  });

  it("matches whatever the prefix, but only the exact full name", () => {
    expect(anyIs(`${FRAMEWORK_TYPE_URL_PREFIX}angzarr.NoOp`, NoOp)).to.equal(true);
    expect(anyIs("type.googleapis.com/angzarr.NoOp", "angzarr.NoOp")).to.equal(true);
    expect(anyIs("custom.prefix/angzarr.NoOp", NoOp)).to.equal(true);
    expect(anyIs("type.googleapis.com/other.angzarr.NoOp", NoOp)).to.equal(false);
    expect(anyIs("type.googleapis.com/angzarr.NoOpV2", NoOp)).to.equal(false);
    expect(anyIs(undefined, NoOp)).to.equal(false);
    expect(anyIs({ typeUrl: "t/angzarr.Cover", value: Buffer.alloc(0) }, Cover)).to.equal(true);
  });
});

describe("pack / unpack", () => {
  it("round-trips a message", () => {
    const any = packAny(NoOp, noop);
    expect(any.typeUrl).to.equal("type.googleapis.com/angzarr.NoOp");
    expect(Buffer.isBuffer(any.value)).to.equal(true);
    expect(unpackAny(NoOp, any)).to.deep.include(noop);
  });

  it("unpacks framework-prefixed payloads", () => {
    const any = { typeUrl: "type.angzarr.io/angzarr.NoOp", value: Buffer.from(encodeMessage(NoOp, noop)) };
    expect(unpackAny(NoOp, any)?.reason).to.equal("hidden");
  });

  it("returns undefined for another type or no value", () => {
    expect(unpackAny(Cover, packAny(NoOp, noop))).to.equal(undefined);
    expect(unpackAny(NoOp, undefined)).to.equal(undefined);
  });

  it("throws PayloadDecodeError for corrupt bytes of the right type", () => {
    // Field 1 (length-delimited) claims 5 bytes but only 1 follows.
    const corrupt = { typeUrl: "type.googleapis.com/angzarr.Cover", value: Buffer.from([0x0a, 0x05, 0x01]) };
    const err = throwsWith(() => unpackAny(Cover, corrupt), PayloadDecodeError);
    expect(err.name).to.equal("PayloadDecodeError");
    expect(err.typeUrl).to.equal(corrupt.typeUrl);
    expect(err.message).to.match(/^cannot decode payload of type type.googleapis.com\/angzarr.Cover: /);
    expect(err.cause).to.be.instanceOf(Error);
  });
});

describe("assertMessageType", () => {
  it("accepts registry-enabled codecs and refuses anything else", () => {
    expect(() => assertMessageType(NoOp, "x")).to.not.throw();
    for (const bad of [undefined, {}, { $type: "", encode() {}, decode() {} }, { $type: "a.B", encode() {} }]) {
      expect(() => assertMessageType(bad, "the event type")).to.throw(TypeError, /the event type must be a generated message type/);
    }
  });
});
