import { describe, it } from "node:test";
import { expect } from "chai";
import {
  cartRoot,
  computeRoot,
  customerRoot,
  fulfillmentRoot,
  INVENTORY_PRODUCT_NAMESPACE,
  inventoryProductRoot,
  inventoryRoot,
  NAMESPACE_OID,
  orderRoot,
  productRoot,
  toProtoBytes,
} from "../../src/core/identity.js";
import { bytesToUuid, isUuid, newRoot, protoToUuid, uuidToBytes, uuidToProto, uuidV5 } from "../../src/core/uuid.js";

// Reference values computed with Python's uuid.uuid5, which the other Angzarr SDKs match.
const FIXTURES: Array<[string, string, string]> = [
  ["cart", "alice", "f520dbd7-0692-5a5a-b315-48c73f2fff1b"],
  ["order", "ord-42", "1e941e06-245c-5be9-9885-45852f029d0d"],
  ["order", "", "b6408065-482a-5d1a-9aac-ef4bb488f3b7"],
  ["customer", "bob", "f138aa21-89e9-5490-9db5-7465d9cdeb1d"],
];

describe("deterministic roots", () => {
  for (const [domain, key, expected] of FIXTURES) {
    it(`computeRoot(${JSON.stringify(domain)}, ${JSON.stringify(key)}) = ${expected}`, () => {
      expect(computeRoot(domain, key)).to.equal(expected);
    });
  }

  it("inventoryProductRoot uses the DNS namespace without prefix", () => {
    expect(INVENTORY_PRODUCT_NAMESPACE).to.equal("6ba7b810-9dad-11d1-80b4-00c04fd430c8");
    expect(inventoryProductRoot("widget-1")).to.equal("d009b114-bbf0-5fe0-986a-8f440998ef0e");
  });

  it("the per-domain helpers are computeRoot with their domain", () => {
    expect(cartRoot("alice")).to.equal(FIXTURES[0]![2]);
    expect(orderRoot("ord-42")).to.equal(FIXTURES[1]![2]);
    expect(customerRoot("bob")).to.equal(FIXTURES[3]![2]);
    expect(productRoot("p")).to.equal(computeRoot("product", "p"));
    expect(inventoryRoot("i")).to.equal(computeRoot("inventory", "i"));
    expect(fulfillmentRoot("f")).to.equal(computeRoot("fulfillment", "f"));
  });

  it("is a version-5, RFC 4122 variant UUID over the OID namespace", () => {
    const root = computeRoot("cart", "alice");
    expect(NAMESPACE_OID).to.equal("6ba7b812-9dad-11d1-80b4-00c04fd430c8");
    expect(root[14]).to.equal("5");
    expect("89ab").to.contain(root[19]);
    expect(uuidV5(NAMESPACE_OID, "angzarrcartalice")).to.equal(root);
  });

  it("toProtoBytes gives the 16 wire bytes", () => {
    const bytes = toProtoBytes(FIXTURES[0]![2]);
    expect(bytes).to.have.length(16);
    expect(Buffer.from(bytes).toString("hex")).to.equal("f520dbd706925a5ab31548c73f2fff1b");
  });
});

describe("UUID conversions", () => {
  const text = "f520dbd7-0692-5a5a-b315-48c73f2fff1b";

  it("recognises hyphenated and plain UUIDs in any case", () => {
    expect(isUuid(text)).to.equal(true);
    expect(isUuid(text.toUpperCase())).to.equal(true);
    expect(isUuid(text.replace(/-/g, ""))).to.equal(true);
    for (const bad of ["", "alice", text.slice(1), text + "0", text.replace("f", "g")]) expect(isUuid(bad)).to.equal(false);
  });

  it("converts to and from exactly 16 bytes", () => {
    const bytes = uuidToBytes(text.toUpperCase());
    expect(bytes).to.have.length(16);
    expect(bytesToUuid(bytes)).to.equal(text);
    expect(protoToUuid(uuidToProto(text))).to.equal(text);
    expect(uuidToBytes(text.replace(/-/g, ""))).to.deep.equal(bytes);
  });

  it("refuses anything that is not 16 bytes or a UUID", () => {
    expect(() => bytesToUuid(new Uint8Array(15))).to.throw(TypeError, /16 bytes, got 15/);
    expect(() => bytesToUuid(new Uint8Array(17))).to.throw(TypeError, /got 17/);
    expect(() => protoToUuid(undefined)).to.throw(TypeError, /missing UUID/);
    expect(() => protoToUuid({ value: Buffer.alloc(0) })).to.throw(TypeError);
    expect(() => uuidToBytes("alice")).to.throw(TypeError, /not a UUID/);
  });

  it("newRoot makes distinct v4 UUIDs", () => {
    const a = newRoot();
    expect(a).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newRoot()).to.not.equal(a);
  });
});
