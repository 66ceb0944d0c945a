/** Assertion helpers shared by the client tests. */
import { expect } from "chai";

/**
 * Await `promise`, which must reject with an instance of `type`; returns the error.
 * Fails when the promise resolves, so a negative test can never pass by accident.
 */
export async function rejectsWith<E extends Error>(
  promise: Promise<unknown> | (() => Promise<unknown>),
  type: abstract new (...args: never[]) => E,
): Promise<E> {
  let outcome: unknown;
  try {
    outcome = await (typeof promise === "function" ? promise() : promise);
  } catch (err) {
    expect(err, `expected ${type.name}, got ${String(err)}`).to.be.instanceOf(type);
    return err as E;
  }
  throw new Error(`expected a rejection with ${type.name}, but it resolved with ${JSON.stringify(outcome)}`);
}

/** Call `fn`, which must throw an instance of `type`; returns the error. */
export function throwsWith<E extends Error>(fn: () => unknown, type: abstract new (...args: never[]) => E): E {
  try {
    fn();
  } catch (err) {
    expect(err, `expected ${type.name}, got ${String(err)}`).to.be.instanceOf(type);
    return err as E;
  }
  throw new Error(`expected ${type.name} to be thrown, but nothing was`);
}
