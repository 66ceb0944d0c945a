/**
 * Shared state of the contract steps of event_decoding.feature and state_building.feature
 * (share B): "the event" a Given set up, and the error the last When raised. Kept in the
 * World's `notes` map under "b." keys, so no World field is needed.
 */
import { makeEventPage } from "../../../src/core/index.js";
import type { EventPage } from "../../../src/gen/angzarr/types.js";
import type { Any } from "../../../src/gen/google/protobuf/any.js";
import { codecFor, type Codec } from "../../support/messages.js";
import type { AngzarrWorld } from "../../support/world.js";

/** The event page a Given described ("an event with ...", "an EventPage with ..."). */
export function setSubject(world: AngzarrWorld, page: EventPage): void {
  world.notes.set("b.page", page);
}

export function subjectPage(world: AngzarrWorld): EventPage {
  const page = world.notes.get("b.page") as EventPage | undefined;
  if (!page) throw new Error("no event was set up by an earlier step");
  return page;
}

/** The Any of the subject page, failing when it carries none. */
export function subjectAny(world: AngzarrWorld): Any {
  const page = subjectPage(world);
  if (page.payload?.$case !== "event") throw new Error(`the event carries no inline Any (${page.payload?.$case})`);
  return page.payload.value;
}

/** An Any with the given type URL wrapped in a page at sequence 0. */
export function pageOf(any: Any, sequence = 0): EventPage {
  return makeEventPage(sequence, any);
}

/** The example codec for a type URL's full name, when the examples define it. */
export function codecOfUrl(url: string): Codec | undefined {
  const name = url.slice(url.lastIndexOf("/") + 1);
  try {
    return codecFor(name);
  } catch {
    return undefined;
  }
}

/** Runs `fn`, recording its error (or clearing the last one). */
export function attempt<T>(world: AngzarrWorld, fn: () => T): T | undefined {
  world.notes.delete("b.error");
  try {
    return fn();
  } catch (err) {
    world.notes.set("b.error", err);
    return undefined;
  }
}

export function recordedError(world: AngzarrWorld): unknown {
  return world.notes.get("b.error");
}

/** Bytes that do not decode: field 1 announced as 127 bytes long, one byte present. */
export const CORRUPT_BYTES = Buffer.from([0x0a, 0x7f, 0x61]);
