import { describe, it } from "node:test";
import { expect } from "chai";
import { nowTimestamp, parseTimestamp, timestampToDate, timestampToRfc3339, toTimestamp } from "../../src/core/time.js";
import { InvalidArgumentError, InvalidTimestampError } from "../../src/errors.js";
import { throwsWith } from "../support/assertions.js";

describe("parseTimestamp", () => {
  const cases: Array<[string, number, number]> = [
    ["1970-01-01T00:00:00Z", 0, 0],
    ["2024-01-15T10:30:00Z", 1705314600, 0],
    ["2024-01-15t10:30:00z", 1705314600, 0],
    ["2024-01-15 10:30:00Z", 1705314600, 0],
    ["2024-01-15T10:30:00.5Z", 1705314600, 500_000_000],
    ["2024-01-15T10:30:00.123456789Z", 1705314600, 123_456_789],
    ["2024-01-15T10:30:00.000000001Z", 1705314600, 1],
    ["2024-01-15T12:30:00+02:00", 1705314600, 0],
    ["2024-01-15T05:00:00-05:30", 1705314600, 0],
    ["2024-02-29T00:00:00Z", 1709164800, 0],
    ["1969-12-31T23:59:59.25Z", -1, 250_000_000],
    ["0050-01-01T00:00:00Z", -60589296000, 0],
    ["9999-12-31T23:59:59Z", 253402300799, 0],
  ];
  for (const [text, seconds, nanos] of cases) {
    it(`parses ${text}`, () => {
      expect(parseTimestamp(text)).to.deep.equal({ seconds, nanos });
    });
  }

  const malformed: Array<[string, RegExp]> = [
    ["", /not in RFC 3339/],
    ["2024-01-15", /not in RFC 3339/],
    ["2024-01-15T10:30:00", /not in RFC 3339/],
    ["2024-01-15T10:30Z", /not in RFC 3339/],
    ["2024-01-15T10:30:00.Z", /not in RFC 3339/],
    ["2024-01-15T10:30:00.1234567890Z", /not in RFC 3339/],
    ["2024-01-15T10:30:00+0200", /not in RFC 3339/],
    ["24-01-15T10:30:00Z", /not in RFC 3339/],
    ["2024-13-01T00:00:00Z", /out of range/],
    ["2023-02-29T00:00:00Z", /out of range/],
    ["2024-04-31T00:00:00Z", /out of range/],
    ["2024-01-15T24:00:00Z", /out of range/],
    ["2024-01-15T10:60:00Z", /out of range/],
    ["2024-01-15T10:30:60Z", /out of range/],
    ["2024-01-15T10:30:00+24:00", /offset out of range/],
    ["0000-01-01T00:00:00Z", /year out of range/],
  ];
  for (const [text, reason] of malformed) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      const err = throwsWith(() => parseTimestamp(text), InvalidTimestampError);
      expect(err).to.be.instanceOf(InvalidArgumentError);
      expect(err.input).to.equal(text);
      expect(err.message).to.match(reason);
      expect(err.message).to.contain("expected RFC 3339 such as 2024-01-15T10:30:00Z");
    });
  }
});

describe("toTimestamp and back", () => {
  it("accepts Dates (also before 1970), strings and valid Timestamps", () => {
    expect(toTimestamp(new Date(1500))).to.deep.equal({ seconds: 1, nanos: 500_000_000 });
    expect(toTimestamp(new Date(-1500))).to.deep.equal({ seconds: -2, nanos: 500_000_000 });
    expect(toTimestamp("1970-01-01T00:00:02Z")).to.deep.equal({ seconds: 2, nanos: 0 });
    expect(toTimestamp({ seconds: 3, nanos: 4 })).to.deep.equal({ seconds: 3, nanos: 4 });
  });

  it("refuses invalid Dates and out-of-range Timestamps", () => {
    expect(() => toTimestamp(new Date(Number.NaN))).to.throw(InvalidTimestampError, /invalid Date/);
    expect(() => toTimestamp({ seconds: 1, nanos: -1 })).to.throw(InvalidTimestampError);
    expect(() => toTimestamp({ seconds: 1, nanos: 1_000_000_000 })).to.throw(InvalidTimestampError);
    expect(() => toTimestamp({ seconds: 1.5, nanos: 0 })).to.throw(InvalidTimestampError);
  });

  it("formats fixed-width RFC 3339 with nanoseconds, so text order is time order", () => {
    expect(timestampToRfc3339({ seconds: 1705314600, nanos: 5 })).to.equal("2024-01-15T10:30:00.000000005Z");
    expect(timestampToRfc3339(parseTimestamp("2024-01-15T12:30:00.123456789+02:00"))).to.equal("2024-01-15T10:30:00.123456789Z");
    const a = timestampToRfc3339({ seconds: 9, nanos: 999_999_999 });
    const b = timestampToRfc3339({ seconds: 10, nanos: 0 });
    expect(a < b).to.equal(true);
  });

  it("converts to Date with millisecond precision", () => {
    expect(timestampToDate({ seconds: 1, nanos: 999_999_999 }).getTime()).to.equal(1999);
  });

  it("nowTimestamp is now", () => {
    const ts = nowTimestamp();
    expect(Math.abs(ts.seconds * 1000 - Date.now())).to.be.below(2000);
    expect(ts.nanos % 1_000_000).to.equal(0);
  });
});
