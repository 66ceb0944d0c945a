/**
 * Assertions shared by every test: "this must fail" (a rejection or a throw, returned for
 * further checks) and "this becomes true" (polling with a bounded number of tries).
 */
import { expect } from "chai";

/** A class whose instances a failure must be. */
type ErrorType<E> = abstract new (...args: never[]) => E;

/**
 * Awaits `work` (a promise, or a function returning one), which must reject; returns the
 * rejection reason. Fails when it resolves, so a negative test can never pass by accident.
 * `expected` names the failure in that message. `E` only types the result; use
 * {@link rejectsWith} to check the class too.
 */
export async function rejectionOf<E = unknown>(work: Promise<unknown> | (() => Promise<unknown>), expected = "a rejection"): Promise<E> {
  let outcome: unknown;
  try {
    outcome = await (typeof work === "function" ? work() : work);
  } catch (err) {
    return err as E;
  }
  return expect.fail(`expected ${expected}, but it resolved with ${describe(outcome)}`);
}

/** Awaits `work`, which must reject with an instance of `type`; returns that error. */
export async function rejectsWith<E extends Error>(work: Promise<unknown> | (() => Promise<unknown>), type: ErrorType<E>): Promise<E> {
  const err = await rejectionOf(work, `a rejection with ${type.name}`);
  expect(err, `expected ${type.name}, got ${String(err)}`).to.be.instanceOf(type);
  return err as E;
}

/** Calls `fn`, which must throw an instance of `type`; returns that error. */
export function throwsWith<E extends Error>(fn: () => unknown, type: ErrorType<E>): E {
  let outcome: unknown;
  try {
    outcome = fn();
  } catch (err) {
    expect(err, `expected ${type.name}, got ${String(err)}`).to.be.instanceOf(type);
    return err as E;
  }
  return expect.fail(`expected ${type.name} to be thrown, but it returned ${describe(outcome)}`);
}

/** How often {@link eventually} polls, and how long it waits between polls. */
export interface PollOptions<T> {
  /** When the observed value is good enough. @default truthiness */
  until?: (value: T) => boolean;
  /** Polls before giving up. @default 500 */
  tries?: number;
  /** Pause between polls, in milliseconds. @default 10 */
  intervalMs?: number;
  /** What is observed, for the failure message. @default "the observed value" */
  what?: string;
}

/**
 * Polls `probe` until its value satisfies `until` and returns that value; after `tries` polls
 * it fails naming the last value it observed. A hang guard for work that finishes in the
 * background, never a speed check: the bound is generous and not asserted on.
 */
export async function eventually<T>(probe: () => T | Promise<T>, options: PollOptions<T> = {}): Promise<T> {
  const { until = Boolean, tries = 500, intervalMs = 10, what = "the observed value" } = options;
  let last: T | undefined;
  for (let i = 0; i < tries; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, intervalMs));
    last = await probe();
    if (until(last)) return last;
  }
  return expect.fail(`${what} never got there in ${tries} tries; last observed: ${describe(last)}`);
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
