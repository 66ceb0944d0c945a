import { describe, it } from "node:test";
import { expect } from "chai";
import { backoffDelayMs, hasAttemptLeft, type BackoffSchedule } from "../../src/core/backoff.js";

const schedule: BackoffSchedule = { maxAttempts: 4, initialDelayMs: 10, maxDelayMs: 100, multiplier: 3, jitter: 0 };
/** A random source that always answers `value`. */
const always = (value: number) => () => value;
/** The delays after attempts 1..n. */
const delays = (s: BackoffSchedule, n: number, random: () => number) => Array.from({ length: n }, (_, i) => backoffDelayMs(s, i + 1, random));

describe("backoff schedule", () => {
  it("multiplies the delay after every attempt and caps it before jitter", () => {
    expect(delays(schedule, 5, always(0.7))).to.deep.equal([10, 30, 90, 100, 100]);
    expect(delays({ ...schedule, multiplier: 2 }, 5, always(0.7))).to.deep.equal([10, 20, 40, 80, 100]);
    expect(delays({ ...schedule, multiplier: 1 }, 3, always(0.7))).to.deep.equal([10, 10, 10]);
  });

  it("jitter 0 waits exactly the delay, whatever the random source says", () => {
    for (const r of [0, 0.5, 0.999]) expect(backoffDelayMs(schedule, 2, always(r))).to.equal(30);
  });

  it("jitter 1 waits anywhere from 0 to the delay", () => {
    const full = { ...schedule, jitter: 1 };
    expect(backoffDelayMs(full, 2, always(0))).to.equal(30);
    expect(backoffDelayMs(full, 2, always(0.5))).to.equal(15);
    expect(backoffDelayMs(full, 2, always(1))).to.equal(0);
  });

  it("a fractional jitter takes at most that fraction off each delay, also at the cap", () => {
    const some = { ...schedule, jitter: 0.2 };
    expect(backoffDelayMs(some, 1, always(0))).to.equal(10);
    expect(backoffDelayMs(some, 1, always(1))).to.be.closeTo(8, 1e-9);
    expect(backoffDelayMs(some, 5, always(0))).to.equal(100);
    expect(backoffDelayMs(some, 5, always(1))).to.be.closeTo(80, 1e-9);
    for (const r of [0.1, 0.42, 0.9]) expect(backoffDelayMs(some, 3, always(r))).to.be.within(72, 90);
  });

  it("counts attempts in total, the first one included", () => {
    expect([1, 2, 3, 4].map((attempt) => hasAttemptLeft(schedule, attempt))).to.deep.equal([true, true, true, false]);
    expect(hasAttemptLeft({ ...schedule, maxAttempts: 1 }, 1)).to.equal(false);
  });
});
