import { describe, it } from "node:test";
import { expect } from "chai";
import { correlationIdProblem, domainProblem, editionProblem } from "../../src/core/names.js";

describe("Angzarr naming rules", () => {
  it("accepts valid names", () => {
    expect(domainProblem("orders")).to.equal(undefined);
    expect(domainProblem("_internal-2")).to.equal(undefined);
    expect(domainProblem("a".repeat(64))).to.equal(undefined);
    expect(correlationIdProblem("")).to.equal(undefined);
    expect(correlationIdProblem("Trace_42-x")).to.equal(undefined);
    expect(editionProblem("")).to.equal(undefined);
    expect(editionProblem("branch-1")).to.equal(undefined);
  });

  it("words each broken rule as the coordinator does", () => {
    expect(domainProblem("")).to.equal("domain name cannot be empty");
    expect(domainProblem("a".repeat(65))).to.equal("domain name exceeds maximum length (max: 64, got: 65)");
    expect(domainProblem("Orders")).to.equal("domain name must start with lowercase letter");
    expect(domainProblem("or.ders")).to.equal("domain name contains invalid characters (allowed: a-z, 0-9, _, -)");
    expect(correlationIdProblem("a b")).to.equal("correlation_id contains invalid characters (allowed: a-zA-Z0-9_-)");
    expect(correlationIdProblem("x".repeat(129))).to.equal("correlation_id exceeds maximum length (max: 128, got: 129)");
    expect(editionProblem("_x")).to.equal("edition name must start with lowercase letter");
    expect(editionProblem("b.x")).to.equal("edition name contains invalid characters (allowed: a-z, 0-9, _, -)");
  });

  it("counts lengths in UTF-8 bytes", () => {
    expect(correlationIdProblem("é".repeat(65))).to.equal("correlation_id exceeds maximum length (max: 128, got: 130)");
    expect(editionProblem("é".repeat(33))).to.equal("edition name exceeds maximum length (max: 64, got: 66)");
  });
});
