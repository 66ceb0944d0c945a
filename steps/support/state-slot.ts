/**
 * Typed scenario-local state for steps files. A steps file that keeps state between its
 * steps declares an interface for it and creates one slot for it; every scenario's World
 * then gets its own value through `world.state(slot)`, made fresh on first use.
 */
import type { AngzarrWorld } from "./world.js";

/** A typed slot of scenario-local state: one per steps file (or per shared piece of state). */
export class StateSlot<T> {
  readonly #values = new WeakMap<AngzarrWorld, T>();

  /** @param init - makes the value a scenario starts with (from its World, e.g. its nonce). */
  constructor(private readonly init: (world: AngzarrWorld) => T) {}

  /** The value for one World, made on first use. Steps call `world.state(slot)` instead. */
  valueFor(world: AngzarrWorld): T {
    let value = this.#values.get(world);
    if (value === undefined) {
      value = this.init(world);
      this.#values.set(world, value);
    }
    return value;
  }
}
