import type { CommandBook, Cover, PageHeader } from "../gen/angzarr/types.js";
import { sequenceHeader } from "../core/books.js";
import { Status } from "../errors.js";
import { DispatchError } from "./errors.js";

/**
 * The next sequence of each destination aggregate a saga or process manager may command, as
 * the coordinator reports it (`destination_sequences`).
 * @example
 * new SagaHandlers().on(ItemAdded, (e, ctx) => {
 *   const reserve = commandBook({ domain: "inventory", root: computeRoot("inventory", e.sku) }, event(ReserveStock, { sku: e.sku }));
 *   // explicit sequence when the coordinator sent one, else deferred sequencing
 *   return { commands: [ctx.destinations.has("inventory") ? ctx.destinations.stampCommand(reserve) : reserve] };
 * });
 */
export class Destinations {
  readonly #sequences: ReadonlyMap<string, number>;

  /**
   * Destinations from domain -> next sequence pairs (the routers build them from the request;
   * tests may build their own).
   * @param sequences - next sequence per destination domain (copied); none when omitted.
   */
  constructor(sequences: Readonly<Record<string, number>> | ReadonlyMap<string, number> = {}) {
    this.#sequences = sequences instanceof Map ? new Map(sequences) : new Map(Object.entries(sequences));
  }

  /** Next sequence of the destination in `domain`, or undefined when the coordinator sent none. */
  sequenceFor(domain: string): number | undefined {
    return this.#sequences.get(domain);
  }

  /** True when a sequence is known for `domain`. */
  has(domain: string): boolean {
    return this.#sequences.has(domain);
  }

  /** Domains with a known sequence. */
  domains(): string[] {
    return [...this.#sequences.keys()];
  }

  /**
   * A copy of `command` whose pages expect explicit sequences from the destination's next
   * sequence (optimistic concurrency instead of deferred sequencing).
   * @param domain - destination domain; defaults to the command's cover domain.
   * @throws DispatchError INVALID_ARGUMENT when no sequence is known for `domain`.
   */
  stampCommand(command: CommandBook, domain: string = command.cover?.domain ?? ""): CommandBook {
    const next = this.#sequences.get(domain);
    if (next === undefined) {
      throw new DispatchError(Status.INVALID_ARGUMENT, `no destination sequence for domain ${JSON.stringify(domain)}`);
    }
    return { ...command, pages: command.pages.map((page, i) => ({ ...page, header: sequenceHeader(next + i) })) };
  }

  /** A header asking the coordinator to sequence the command, recording what caused it. */
  static deferredHeader(source: Cover, sourceSeq: number): PageHeader {
    return { sequenceType: { $case: "angzarrDeferred", value: { source, sourceSeq } } };
  }
}
