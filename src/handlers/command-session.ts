import { SnapshotRetention, type Cover, type EventBook, type EventPage } from "../gen/angzarr/types.js";
import type { Timestamp } from "../gen/google/protobuf/timestamp.js";
import { packAny } from "../core/any.js";
import { headerSequence, sequenceHeader } from "../core/books.js";
import { nowTimestamp } from "../core/time.js";
import { Status } from "../errors.js";
import { DispatchError } from "./errors.js";
import { eventList, toAny, type HandlerResult } from "./events.js";
import type { PageTally, StateModel } from "./state-router.js";

/** Sequences and next sequences are uint32 on the wire. */
const MAX_SEQUENCE = 0xffff_ffff;

/** The highest page sequence of a book, or undefined when no page has one. */
function highestSequence(book: EventBook): number | undefined {
  let highest: number | undefined;
  for (const page of book.pages) {
    const seq = headerSequence(page.header);
    if (seq !== undefined && (highest === undefined || seq > highest)) highest = seq;
  }
  return highest;
}

/**
 * The sequence the next event of a prior book gets: the one after its highest page (else
 * after its snapshot, else its stated next sequence), or the one it states, whichever is larger.
 * Same rule as `nextSequence` in core/books, taking a highest sequence already found.
 */
function priorNextSequence(book: EventBook, highest: number | undefined): number {
  const stated = book.nextSequence ?? 0;
  if (highest !== undefined) return Math.max(highest + 1, stated);
  if (book.snapshot) return Math.max(book.snapshot.sequence + 1, stated);
  return stated;
}

/**
 * One request's view of an aggregate: the prior book, the lazily built state, and the events
 * emitted so far, numbered from the prior book's next sequence. Shared by the Aggregate base
 * class and CommandRouter so both number, stamp and snapshot identically.
 * @internal
 */
export class CommandSession<S> {
  /** Events the aggregate had before this request. */
  readonly prior: EventBook;
  /** Cover of the response (the command's, carrying its correlation id). */
  readonly cover: Cover;
  readonly #model: StateModel<S>;
  readonly #owner: string;
  readonly #pages: EventPage[] = [];
  readonly #createdAt: Timestamp = nowTimestamp();
  #state: S | undefined;
  #built = false;
  /** Found by the first state build (same pass over the pages) or on first use. */
  #startSequence: number | undefined;
  #snapshot = false;

  constructor(prior: EventBook, cover: Cover, model: StateModel<S>, owner: string) {
    this.prior = prior;
    this.cover = cover;
    this.#model = model;
    this.#owner = owner;
  }

  /** Current state: prior events plus the events emitted so far. Built on first access. */
  get state(): S {
    if (!this.#built) {
      if (this.#pages.length === 0) this.#state = this.#rebuildPrior();
      else this.#state = this.#model.rebuild({ ...this.prior, pages: [...this.prior.pages, ...this.#pages] });
      this.#built = true;
    }
    return this.#state as S;
  }

  /** State after the prior book; a model that walks every page also yields the start sequence. */
  #rebuildPrior(): S {
    if (this.#startSequence !== undefined) return this.#model.rebuild({ ...this.prior });
    const tally: PageTally = { walked: false, highest: undefined };
    const state = this.#model.rebuild({ ...this.prior }, tally);
    if (tally.walked) this.#startSequence = priorNextSequence(this.prior, tally.highest);
    return state;
  }

  /** Sequence of the first event this request emits. */
  get startSequence(): number {
    this.#startSequence ??= priorNextSequence(this.prior, highestSequence(this.prior));
    return this.#startSequence;
  }

  /** True when the aggregate has events: prior ones (or a snapshot), or ones emitted by earlier pages of this request. */
  get exists(): boolean {
    return this.nextSequence > 0;
  }

  /** Sequence the next emitted event gets. */
  get nextSequence(): number {
    return this.startSequence + this.#pages.length;
  }

  /** Pages emitted so far. */
  get pages(): readonly EventPage[] {
    return this.#pages;
  }

  /** Ask for a snapshot of the state after this request's events. */
  requestSnapshot(): void {
    if (!this.#model.stateType) {
      throw new DispatchError(Status.UNIMPLEMENTED, `${this.#owner} asked for a snapshot but declares no stateType`);
    }
    this.#snapshot = true;
  }

  /** Number and stamp a handler's events and advance a built state. */
  emit(result: HandlerResult, createdAt: Timestamp = this.#createdAt): void {
    for (const value of eventList(result)) {
      this.#append({
        header: sequenceHeader(this.nextSequence),
        createdAt,
        payload: { $case: "event", value: toAny(value) },
        noCommit: false,
      });
    }
  }

  /** Keep an incoming page (a fact) as is, renumbered; its created_at is kept or set to now. */
  adopt(page: EventPage): void {
    this.#append({ ...page, header: sequenceHeader(this.nextSequence), createdAt: page.createdAt ?? this.#createdAt });
  }

  #append(page: EventPage): void {
    this.#checkRoom(this.nextSequence);
    this.#pages.push(page);
    if (!this.#built) return;
    if (this.#model.applyEmitted) this.#state = this.#model.applyEmitted(this.#state as S, page);
    else this.#built = false;
  }

  /**
   * The response book: the command's cover, the emitted pages, and a snapshot when one was
   * requested or `snapshotEvery` events have passed since the last multiple.
   */
  toEventBook(snapshotEvery?: number): EventBook {
    const next = this.nextSequence;
    this.#checkRoom(next);
    const book: EventBook = { cover: this.cover, pages: this.#pages, snapshot: undefined, nextSequence: next };
    const due = snapshotEvery !== undefined && snapshotEvery > 0 && this.#crossesMultiple(snapshotEvery);
    const stateType = this.#model.stateType;
    if ((this.#snapshot || due) && stateType && next > 0) {
      book.snapshot = { sequence: next - 1, state: packAny(stateType, this.state), retention: SnapshotRetention.RETENTION_DEFAULT };
    }
    return book;
  }

  /** Prior events claiming sequences near the uint32 limit leave no room for the response's sequences. */
  #checkRoom(sequence: number): void {
    if (sequence > MAX_SEQUENCE) {
      throw new DispatchError(Status.INVALID_ARGUMENT, `${this.#owner}: sequence ${sequence} is out of range (sequences are uint32)`);
    }
  }

  #crossesMultiple(every: number): boolean {
    return Math.floor(this.nextSequence / every) > Math.floor(this.startSequence / every);
  }
}
