/**
 * Shared state of the contract steps of event_decoding.feature and state_building.feature
 * (share B): "the event" a Given set up and which kind of step ran. The error the last When
 * raised is the World's lastError.
 */
import { makeEventPage } from "../../../src/core/index.js";
import type { EventPage } from "../../../src/gen/angzarr/types.js";
import type { Any } from "../../../src/gen/google/protobuf/any.js";
import { codecFor, type Codec } from "../../support/messages.js";
import { StateSlot } from "../../support/state-slot.js";
import type { AngzarrWorld } from "../../support/world.js";

/** What event_decoding and state_building steps share within a scenario. */
export interface SharedEventsState {
  /** The event page a Given described ("an event with ...", "an EventPage with ..."). */
  page?: EventPage;
  /** A decode step (event_decoding) ran. */
  decodeRan: boolean;
  /** A build or apply step (state_building) ran. */
  stateRan: boolean;
}

/** The slot of {@link SharedEventsState}. */
export const SHARED_EVENTS = new StateSlot<SharedEventsState>(() => ({ decodeRan: false, stateRan: false }));

/** Makes a page "the event" of the scenario. */
export function setSubject(world: AngzarrWorld, page: EventPage): void {
  world.state(SHARED_EVENTS).page = page;
}

/** "The event" an earlier Given set up. */
export function subjectPage(world: AngzarrWorld): EventPage {
  const page = world.state(SHARED_EVENTS).page;
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

/** Bytes that do not decode: field 1 announced as 127 bytes long, one byte present. */
export const CORRUPT_BYTES = Buffer.from([0x0a, 0x7f, 0x61]);
