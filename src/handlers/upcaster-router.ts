import type { EventPage } from "../gen/angzarr/types.js";
import type { UpcastRequest, UpcastResponse } from "../gen/angzarr/upcaster.js";
import { packAny } from "../core/any.js";
import { pageEvent } from "../core/books.js";
import { assertMessageType, type MessageType } from "../core/message.js";
import { Status } from "../errors.js";
import type { UpcasterComponent } from "./components.js";
import { memberRecords } from "./decorators.js";
import { DefinitionError, DispatchError } from "./errors.js";
import { decodePayload } from "./execute-command.js";
import { TypeTable } from "./type-table.js";

/** Longest migration chain followed for one event before assuming a cycle. */
const MAX_CHAIN = 32;

interface Rule {
  readonly from: MessageType;
  readonly to: MessageType;
  readonly fn: (old: unknown) => unknown;
}

/**
 * Migrates stored events of one domain to their current versions, rule by rule: a page whose
 * type has a rule is decoded, converted and re-packed, then looked up again (so V1 -> V2 and
 * V2 -> V3 chain); headers and timestamps are kept; pages of other types pass unchanged.
 * @example
 * const upcaster = new UpcasterRouter("orders").on(OrderCreatedV1, OrderCreated, (old) => ({ customerId: old.customer }));
 */
export class UpcasterRouter implements UpcasterComponent {
  /** Domain whose events it migrates. */
  readonly domain: string;
  readonly #rules: TypeTable<Rule>;

  /**
   * An upcaster without rules; add them with {@link on}.
   * @param domain - domain whose stored events it migrates.
   * @throws DefinitionError for an empty domain.
   */
  constructor(domain: string) {
    if (!domain) throw new DefinitionError("UpcasterRouter(domain): domain is required");
    this.domain = domain;
    this.#rules = new TypeTable("upcaster rule", `UpcasterRouter(${domain})`);
  }

  /** Convert events of type `from` to type `to`. */
  on<F, T>(from: MessageType<F>, to: MessageType<T>, fn: (old: F) => T): this {
    assertMessageType(from, "UpcasterRouter.on(from)");
    assertMessageType(to, "UpcasterRouter.on(to)");
    if (from.$type === to.$type) throw new DefinitionError(`upcaster rule ${from.$type} -> itself in ${this.domain}`);
    this.#rules.set(from, { from, to, fn: fn as (old: unknown) => unknown });
    return this;
  }

  /** Migrate pages (requests for other domains pass unchanged). */
  async upcast(request: UpcastRequest): Promise<UpcastResponse> {
    if (request.domain && request.domain !== this.domain) return { events: request.events };
    return { events: request.events.map((page) => this.upcastPage(page)) };
  }

  /** Migrate one page. */
  upcastPage(page: EventPage): EventPage {
    let any = pageEvent(page);
    if (!any) return page;
    let rule = this.#rules.get(any.typeUrl);
    if (!rule) return page;
    for (let steps = 0; rule; steps++) {
      if (steps === MAX_CHAIN) {
        throw new DispatchError(Status.INTERNAL, `upcasting ${any.typeUrl} in ${this.domain} did not settle after ${MAX_CHAIN} steps`);
      }
      any = packAny(rule.to, rule.fn(decodePayload(rule.from, any)));
      rule = this.#rules.get(any.typeUrl);
    }
    return { ...page, payload: { $case: "event", value: any } };
  }
}

/**
 * Base of class-style upcasters: declare `static domain` and `@upcasts(From, To)` methods,
 * then serve the class (or `upcasterHandler(Cls)`).
 * @example
 * ```ts
 * class OrderUpcaster extends Upcaster {
 *   static domain = "orders";
 *   @upcasts(OrderCreatedV1, OrderCreated)
 *   v1(old: OrderCreatedV1): OrderCreated { return { customerId: old.customer }; }
 * }
 * await runUpcasterServer(OrderUpcaster);
 * ```
 */
export abstract class Upcaster {}

/** A concrete upcaster class. */
export interface UpcasterClass {
  /** Upcaster classes are constructed without arguments. */
  new (): Upcaster;
  /** Class name (for messages). */
  readonly name: string;
  /** Domain whose events it migrates. Required. */
  readonly domain: string;
}

/**
 * The UpcasterRouter of an Upcaster class (validated: static domain, at least one rule).
 * @throws DefinitionError naming the class when it is not an Upcaster subclass, has no
 * `static domain`, has no `@upcasts` methods or has other decorated methods.
 */
export function upcasterHandler(cls: UpcasterClass): UpcasterRouter {
  if (typeof cls !== "function" || !(cls.prototype instanceof Upcaster)) {
    throw new DefinitionError(`${String((cls as { name?: string })?.name ?? cls)} is not a subclass of Upcaster`);
  }
  if (typeof cls.domain !== "string" || cls.domain === "") {
    throw new DefinitionError(`${cls.name}: static domain is required, e.g. static domain = "orders"`);
  }
  const instance = new cls();
  const router = new UpcasterRouter(cls.domain);
  for (const record of memberRecords(cls)) {
    if (record.kind !== "upcasts") throw new DefinitionError(`${cls.name}: only @upcasts methods belong on an Upcaster (${record.member}())`);
    const fn = record.fn as (this: unknown, old: unknown) => unknown;
    router.on(record.type!, record.target!, (old) => fn.call(instance, old));
  }
  if (memberRecords(cls).length === 0) throw new DefinitionError(`${cls.name}: no @upcasts(From, To) methods`);
  return router;
}
