import type { EventBook, EventPage, Projection } from "../gen/angzarr/types.js";
import { packAny } from "../core/any.js";
import { headerSequence, pageEvent } from "../core/books.js";
import { assertMessageType, type MessageType } from "../core/message.js";
import type { ProjectorComponent } from "./components.js";
import { DefinitionError } from "./errors.js";
import { decodePayload } from "./execute-command.js";
import { TypeTable } from "./type-table.js";

/** What a projector's event function knows besides the event. */
export interface ProjectionContext {
  /** The book being projected. */
  readonly book: EventBook;
  /** The event's page. */
  readonly page: EventPage;
  /** The event's sequence. */
  readonly sequence: number;
  /** True for a what-if run: do not write anything outside the returned projection. */
  readonly speculative: boolean;
}

/** Folds one event into the projection state (mutate, or return the new state; may be async). */
export type ProjectionFn<S, E> = (state: S, event: E, ctx: ProjectionContext) => S | void | Promise<S | void>;

interface Entry<S> {
  readonly type: MessageType;
  readonly fn: ProjectionFn<S, unknown>;
}

/**
 * A projector: folds each delivered book into a state, event type by event type (unknown types
 * are skipped), and answers a Projection carrying the output message, the book's cover and the
 * last sequence seen. Books from domains it does not project get an empty Projection.
 * @example
 * const summary = new ProjectorRouter("order-summary", ["orders"], () => ({ events: 0 }))
 *   .on(OrderCreated, (s) => { s.events++; })
 *   .output(OrderSummary, (s, book) => ({ root: coverRoot(book.cover) ?? "", eventsSeen: s.events, items: 0 }));
 */
export class ProjectorRouter<S> implements ProjectorComponent {
  /** Projector name, reported in each Projection. */
  readonly name: string;
  /** Domains it projects (undefined: all). */
  readonly domains: readonly string[] | undefined;
  readonly #createState: (book: EventBook, speculative: boolean) => S;
  readonly #entries: TypeTable<Entry<S>>;
  #output: { type: MessageType; build: (state: S, book: EventBook) => unknown } | undefined;

  /**
   * A projector without handlers; add them with {@link on} and the output with {@link output}.
   * @param name - projector name, reported in each Projection.
   * @param domains - domains to project; undefined projects every domain.
   * @param createState - the starting state for each delivered book (`speculative` is true for
   * speculative runs, which must have no side effects).
   * @throws DefinitionError for an empty name or an empty `domains` array.
   */
  constructor(name: string, domains: readonly string[] | undefined, createState: (book: EventBook, speculative: boolean) => S) {
    if (!name) throw new DefinitionError("ProjectorRouter(name, ...): name is required");
    if (domains !== undefined && domains.length === 0) throw new DefinitionError(`ProjectorRouter(${name}): domains is empty`);
    this.name = name;
    this.domains = domains ? [...domains] : undefined;
    this.#createState = createState;
    this.#entries = new TypeTable("projection", `ProjectorRouter(${name})`);
  }

  /** Fold events of `type` into the state. */
  on<E>(type: MessageType<E>, fn: ProjectionFn<S, E>): this {
    assertMessageType(type, `ProjectorRouter(${this.name}).on(type)`);
    this.#entries.set(type, { type, fn: fn as ProjectionFn<S, unknown> });
    return this;
  }

  /** The message each Projection carries, built from the final state. */
  output<T>(type: MessageType<T>, build: (state: S, book: EventBook) => T): this {
    assertMessageType(type, `ProjectorRouter(${this.name}).output(type)`);
    if (this.#output) throw new DefinitionError(`ProjectorRouter(${this.name}): output is declared twice`);
    this.#output = { type, build };
    return this;
  }

  /** Project a book (speculatively when asked: handlers must then avoid side effects). */
  async handle(book: EventBook, speculative = false): Promise<Projection> {
    const projection: Projection = { cover: book.cover, projector: this.name, sequence: 0, projection: undefined };
    if (this.domains && !this.domains.includes(book.cover?.domain ?? "")) return projection;
    let state = this.#createState(book, speculative);
    for (let i = 0; i < book.pages.length; i++) {
      const page = book.pages[i]!;
      const sequence = headerSequence(page.header) ?? i;
      projection.sequence = Math.max(projection.sequence, sequence);
      const any = pageEvent(page);
      const entry = any ? this.#entries.get(any.typeUrl) : undefined;
      if (!any || !entry) continue;
      const next = await entry.fn(state, decodePayload(entry.type, any), { book, page, sequence, speculative });
      if (next !== undefined) state = next;
    }
    if (this.#output) projection.projection = packAny(this.#output.type, this.#output.build(state, book));
    return projection;
  }
}
