import type { EventBook, EventPage } from "../gen/angzarr/types.js";
import type { Any } from "../gen/google/protobuf/any.js";
import { PayloadDecodeError, anyIs, typeNameFromUrl } from "../core/any.js";
import { headerSequence, makeEventPage } from "../core/books.js";
import { assertMessageType, type MessageType } from "../core/message.js";
import { Status } from "../errors.js";
import { DefinitionError, DispatchError } from "./errors.js";
import { isAny, toAny, type EventLike } from "./events.js";
import { TypeTable } from "./type-table.js";

/** Applies one event to a state: mutate it and return nothing, or return the new state. */
export type EventApplier<S, E> = (state: S, event: E, page: EventPage) => S | void;

/**
 * One registered applier. `apply` is called with `this` = the fold's target (an aggregate
 * instance, or undefined for function-style routers).
 * @internal
 */
export interface ApplierEntry {
  readonly type: MessageType;
  readonly apply: (this: unknown, state: unknown, event: unknown, page: EventPage) => unknown;
}

/**
 * Filled in by a rebuild that walks every page of the book: `highest` is the highest page
 * sequence (any payload, covered by the snapshot or not), so the command session needs no
 * second pass to number its events. A rebuild that does not walk the pages leaves `walked` false.
 * @internal
 */
export interface PageTally {
  walked: boolean;
  highest: number | undefined;
}

/**
 * How a command session builds and advances state. Implemented by StateRouter and by the
 * Aggregate base class.
 * @internal
 */
export interface StateModel<S> {
  /** Codec of the state when it is a message (needed for snapshots and Replay). */
  readonly stateType: MessageType<S> | undefined;
  /** State after a whole book: snapshot first (when present), then the pages after it. */
  rebuild(book: EventBook, tally?: PageTally): S;
  /** Apply one emitted page (an event payload) to an already built state; absent means "rebuild from the book". */
  applyEmitted?(state: S, page: EventPage): S;
}

/**
 * The starting point of a rebuild: the decoded snapshot and the sequence it covers, or
 * undefined when the book has no snapshot state.
 * @internal
 */
export function snapshotStart<S>(book: EventBook, stateType: MessageType<S> | undefined, owner: string): { state: S; covers: number } | undefined {
  const snap = book.snapshot;
  if (!snap?.state) return undefined;
  if (!stateType) {
    // The snapshot is unusable input, like one of the wrong type below.
    throw new DispatchError(
      Status.INVALID_ARGUMENT,
      `${owner} received a snapshot (${typeNameFromUrl(snap.state.typeUrl)}) but declares no stateType to decode it`,
    );
  }
  if (!anyIs(snap.state, stateType)) {
    throw new DispatchError(Status.INVALID_ARGUMENT, `snapshot state is ${typeNameFromUrl(snap.state.typeUrl)}, ${owner} expects ${stateType.$type}`);
  }
  try {
    return { state: stateType.decode(snap.state.value), covers: snap.sequence };
  } catch (err) {
    throw new PayloadDecodeError(snap.state.typeUrl, err);
  }
}

/**
 * Apply one packed event through a dispatch table: decode it with its entry's codec and call
 * the applier with `this` = `target`. Returns what the applier returns (the new state, or
 * undefined when it mutated the state or the type has no applier); a payload that does not
 * decode raises PayloadDecodeError.
 * @internal
 */
export function applyAny(table: TypeTable<ApplierEntry>, target: unknown, state: unknown, any: Any, page: EventPage): unknown {
  const entry = table.get(any.typeUrl);
  if (entry === undefined) return undefined;
  let message: unknown;
  try {
    message = entry.type.decode(any.value);
  } catch (err) {
    throw new PayloadDecodeError(any.typeUrl, err);
  }
  return entry.apply.call(target, state, message, page);
}

/** Apply one page when it carries an event; otherwise the state is unchanged. @internal */
export function applyPage<S>(table: TypeTable<ApplierEntry>, target: unknown, state: S, page: EventPage): S {
  if (page.payload?.$case !== "event") return state;
  const next = applyAny(table, target, state, page.payload.value, page);
  return next === undefined ? state : (next as S);
}

/**
 * Fold event pages into a state through a dispatch table. Pages at or below `covers` are
 * skipped (already in the snapshot; pass -1 for none), pages of unknown type are skipped, a
 * payload that does not decode raises PayloadDecodeError. With a `tally`, the highest page
 * sequence is recorded in the same pass. The loop allocates nothing of its own.
 * @internal
 */
export function foldPages<S>(
  state: S,
  pages: readonly EventPage[],
  covers: number,
  table: TypeTable<ApplierEntry>,
  target: unknown,
  tally?: PageTally,
): S {
  let highest = -Infinity;
  for (let i = 0; i < pages.length; i++) {
    const page = pages[i]!;
    const seq = headerSequence(page.header);
    if (seq !== undefined && seq > highest) highest = seq;
    const payload = page.payload;
    if (payload === undefined || payload.$case !== "event") continue;
    if (covers >= 0 && seq !== undefined && seq <= covers) continue;
    const next = applyAny(table, target, state, payload.value, page);
    if (next !== undefined) state = next as S;
  }
  if (tally) recordHighest(tally, highest);
  return state;
}

/** Record a walk's highest sequence (-Infinity: no page had one). @internal */
export function recordHighest(tally: PageTally, highest: number): void {
  tally.walked = true;
  tally.highest = highest === -Infinity ? undefined : highest;
}

/**
 * Builds state from events, function style: a factory for the empty state plus one applier
 * per event type. Unknown event types are skipped. With `withSnapshot(StateType)` a book's
 * snapshot is the starting point and pages it covers are skipped.
 * @example
 * const state = new StateRouter(() => InventoryState.create())
 *   .on(StockReserved, (s, e) => { s.reserved += e.quantity; })
 *   .withSnapshot(InventoryState);
 * const current = state.rebuild(book);
 */
export class StateRouter<S> implements StateModel<S> {
  readonly #createEmpty: () => S;
  readonly #table = new TypeTable<ApplierEntry>("state applier");
  #stateType: MessageType<S> | undefined;

  /**
   * A router without appliers; add them with {@link on}.
   * @param createEmpty - returns a fresh empty state (called once per rebuild).
   * @throws TypeError when `createEmpty` is not a function.
   */
  constructor(createEmpty: () => S) {
    if (typeof createEmpty !== "function") throw new TypeError("StateRouter(createEmpty): createEmpty must be a function");
    this.#createEmpty = createEmpty;
  }

  /** Register the applier for one event type; a second applier for the same type is a DefinitionError. */
  on<E>(type: MessageType<E>, apply: EventApplier<S, E>): this {
    assertMessageType(type, "StateRouter.on(type)");
    this.#table.set(type, { type, apply: apply as ApplierEntry["apply"] });
    return this;
  }

  /** Declare the state's codec: snapshots are decoded with it, and Replay packs with it. */
  withSnapshot(stateType: MessageType<S>): this {
    assertMessageType(stateType, "StateRouter.withSnapshot(stateType)");
    this.#stateType = stateType;
    return this;
  }

  /** The state codec given to `withSnapshot`, if any. */
  get stateType(): MessageType<S> | undefined {
    return this.#stateType;
  }

  /** A fresh empty state. */
  createEmpty(): S {
    return this.#createEmpty();
  }

  /** State after a whole book (snapshot first when present); an absent book gives the empty state. */
  rebuild(book?: EventBook): S {
    return book ? this.rebuildTallied(book) : this.#createEmpty();
  }

  /** {@link rebuild}, recording the book's highest page sequence in `tally`. @internal */
  rebuildTallied(book: EventBook, tally?: PageTally): S {
    const start = snapshotStart(book, this.#stateType, "StateRouter");
    const state = start ? start.state : this.#createEmpty();
    return foldPages(state, book.pages, start ? start.covers : -1, this.#table, undefined, tally);
  }

  /** Apply one event (typed or packed) to `state`; unknown types leave it unchanged. */
  applySingle(state: S, value: EventLike, page?: EventPage): S {
    if (isAny(value)) return this.applyEmitted(state, makeEventPage(headerSequence(page?.header) ?? 0, value, page?.createdAt));
    const entry = this.#table.getByName(value.type.$type);
    if (!entry) return state;
    const next = entry.apply.call(undefined, state, value.message, page ?? makeEventPage(0, toAny(value)));
    return next === undefined ? state : (next as S);
  }

  /** @internal */
  applyEmitted(state: S, page: EventPage): S {
    return applyPage(this.#table, undefined, state, page);
  }
}

/** How a router gets state: a StateRouter, or a function of the prior book. */
export type RebuildState<S> = StateRouter<S> | ((book: EventBook) => S);

/** The StateModel of a RebuildState. @internal */
export function stateModelOf<S>(rebuildState: RebuildState<S>, stateType: MessageType<S> | undefined, label: string): StateModel<S> {
  if (rebuildState instanceof StateRouter) {
    // A subclass's own rebuild is called as before (the session then counts the pages itself).
    const ownRebuild = rebuildState.rebuild !== StateRouter.prototype.rebuild;
    return {
      stateType,
      rebuild: ownRebuild ? (book) => rebuildState.rebuild(book) : (book, tally) => rebuildState.rebuildTallied(book, tally),
      applyEmitted: (state, page) => rebuildState.applyEmitted(state, page),
    };
  }
  if (typeof rebuildState !== "function") throw new DefinitionError(`${label}: rebuildState must be a StateRouter or a function`);
  return { stateType, rebuild: rebuildState };
}
