import type { EventPage } from "../gen/angzarr/types.js";
import { assertMessageType, type MessageType } from "../core/message.js";
import type { CompensationContext } from "./compensation.js";
import { DefinitionError } from "./errors.js";
import type { HandlerReturn } from "./events.js";
import { rejectionKey, type RejectionReturn } from "./execute-command.js";

// Standard decorators store per-class data in `context.metadata`, which runtimes expose as
// `Class[Symbol.metadata]`. Node 20 has no `Symbol.metadata`; TypeScript's emitted code then
// passes no metadata at all, so install the well-known symbol (the same one esbuild uses)
// before any decorated class is evaluated. Importing a decorator guarantees that order.
const symbolWithMetadata = Symbol as unknown as { metadata?: symbol };
symbolWithMetadata.metadata ??= Symbol.for("Symbol.metadata");
const METADATA: symbol = symbolWithMetadata.metadata;

/** What a decorated method declares. @internal */
export type MemberKind = "handles" | "applies" | "handlesFact" | "rejected" | "upcasts";

/** One decorated method as recorded in the class metadata. @internal */
export interface MemberRecord {
  readonly kind: MemberKind;
  /** Dispatch key: a full message name, or `domain/type` for rejections. */
  readonly key: string;
  /** The codec the payload is decoded with (the source type for upcasters). */
  readonly type: MessageType | undefined;
  /** The upcaster's target type. */
  readonly target: MessageType | undefined;
  /** The decorated function, called with `this` = the instance. */
  readonly fn: (this: unknown, ...args: never[]) => unknown;
  /** Method name, for messages. */
  readonly member: string;
}

const RECORDS = Symbol("angzarr.members");
type Metadata = DecoratorMetadataObject & { [RECORDS]?: MemberRecord[] };

// Handling and applying are exclusive roles for one method.
const EXCLUSIVE: Record<MemberKind, readonly MemberKind[]> = {
  handles: ["applies", "handlesFact", "upcasts"],
  applies: ["handles", "handlesFact", "rejected", "upcasts"],
  handlesFact: ["handles", "applies"],
  rejected: ["applies"],
  upcasts: ["handles", "applies"],
};

function describe(kind: MemberKind, key: string): string {
  return `@${kind}(${key.replace("\u0000", ", ")})`;
}

/** Records of one metadata object and its ancestors, base class first. */
function chainRecords(metadata: Metadata | null | undefined): MemberRecord[] {
  const chain: MemberRecord[][] = [];
  for (let m = metadata; m; m = Object.getPrototypeOf(m) as Metadata | null) {
    if (Object.hasOwn(m, RECORDS)) chain.unshift(m[RECORDS]!);
  }
  return chain.flat();
}

/**
 * The decorated methods of a class, inherited ones included; a subclass method with the same
 * name and declaration replaces its base's.
 * @internal
 */
export function memberRecords(cls: abstract new (...args: never[]) => unknown): MemberRecord[] {
  const all = chainRecords((cls as unknown as Record<symbol, Metadata | undefined>)[METADATA]);
  const result = new Map<string, MemberRecord>();
  for (const record of all) result.set(`${record.kind}\u0000${record.key}`, record);
  return [...result.values()];
}

function register(
  context: {
    readonly kind: string;
    readonly name: string | symbol;
    readonly static: boolean;
    readonly metadata: DecoratorMetadataObject | undefined;
  },
  kind: MemberKind,
  key: string,
  type: MessageType | undefined,
  target: MessageType | undefined,
  fn: MemberRecord["fn"],
): void {
  const member = String(context.name);
  if (context.kind !== "method" || context.static) {
    throw new DefinitionError(`${describe(kind, key)} must decorate an instance method, not ${member}`);
  }
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- false positive: without it tsc sees `{}`
  const metadata = context.metadata as Metadata | undefined;
  if (!metadata) {
    throw new DefinitionError(`${describe(kind, key)} on ${member}(): the runtime passed no decorator metadata`);
  }
  for (const other of chainRecords(metadata)) {
    if (other.kind === kind && other.key === key && other.member !== member) {
      throw new DefinitionError(`${describe(kind, key)} is declared twice: on ${other.member}() and on ${member}()`);
    }
  }
  const own = Object.hasOwn(metadata, RECORDS) ? metadata[RECORDS]! : (metadata[RECORDS] = []);
  for (const other of own) {
    if (other.member === member && EXCLUSIVE[kind].includes(other.kind)) {
      throw new DefinitionError(`${member}() cannot be both ${describe(kind, key)} and ${describe(other.kind, other.key)}`);
    }
  }
  own.push({ kind, key, type, target, fn, member });
}

/** The state type of an aggregate-like class (its `createEmptyState()` result); `unknown` for other classes. */
export type StateOf<This> = This extends { createEmptyState(): infer S } ? S : unknown;

/**
 * Marks a method as the handler of one command type. The method gets the decoded command,
 * reads `this.state` / `this.exists`, and returns the events to record (one, an array, or a
 * Promise of either). Declaring two handlers for one type fails when the class is defined.
 * @throws TypeError when `type` is not a generated codec; DefinitionError (when the class is
 * defined) for a second handler of the type or a method with another role.
 * @example
 * ```ts
 * @handles(CreateOrder)
 * create(cmd: CreateOrder) {
 *   if (this.exists) throw CommandRejectedError.preconditionFailed("order already exists");
 *   return event(OrderCreated, { customerId: cmd.customerId });
 * }
 * ```
 */
export function handles<C>(type: MessageType<C>) {
  assertMessageType(type, "@handles(type)");
  return function <This, Fn extends (this: This, command: C) => HandlerReturn>(method: Fn, context: ClassMethodDecoratorContext<This, Fn>): void {
    register(context, "handles", type.$type, type, undefined, method as MemberRecord["fn"]);
  };
}

/**
 * Marks a method as the applier of one event type: `(state, event, page)` mutates the state
 * (or returns a new one). Used to rebuild state from history and after emitting events.
 * @throws TypeError when `type` is not a generated codec; DefinitionError (when the class is
 * defined) for a second applier of the type or a method with another role.
 * @example
 * ```ts
 * @applies(FundsDeposited)
 * deposited(state: PlayerState, e: FundsDeposited): void {
 *   state.balance = e.newBalance;
 * }
 * ```
 */
export function applies<E>(type: MessageType<E>) {
  assertMessageType(type, "@applies(type)");
  return function <This, Fn extends (this: This, state: StateOf<This>, event: E, page: EventPage) => StateOf<This> | void>(
    method: Fn,
    context: ClassMethodDecoratorContext<This, Fn>,
  ): void {
    register(context, "applies", type.$type, type, undefined, method as MemberRecord["fn"]);
  };
}

/**
 * Marks a method as the handler of one injected fact type: it returns the events to record in
 * place of the fact (the fact itself, a transformed event, or nothing). Facts without a
 * handler are recorded as they are.
 * @throws TypeError when `type` is not a generated codec; DefinitionError (when the class is
 * defined) for a second handler of the type.
 * @example
 * ```ts
 * @handlesFact(PaymentReceived)
 * paid(fact: PaymentReceived) {
 *   return this.exists ? event(OrderPaid, { amount: fact.amount }) : undefined; // nothing recorded
 * }
 * ```
 */
export function handlesFact<E>(type: MessageType<E>) {
  assertMessageType(type, "@handlesFact(type)");
  return function <This, Fn extends (this: This, fact: E) => HandlerReturn>(method: Fn, context: ClassMethodDecoratorContext<This, Fn>): void {
    register(context, "handlesFact", type.$type, type, undefined, method as MemberRecord["fn"]);
  };
}

/**
 * Marks a method as the compensation for a command of `commandType` that the aggregate of
 * `domain` refused. The method gets a CompensationContext and returns compensation events or
 * `delegateToFramework(...)`.
 * @param commandType - the command's codec or full message name.
 * @throws DefinitionError for an empty domain (and, when the class is defined, a second
 * handler for the same domain and command); TypeError for a `commandType` that is neither a
 * codec nor a string.
 * @example
 * ```ts
 * @rejected("inventory", ReserveStock)
 * stockRefused(ctx: CompensationContext) {
 *   return event(OrderCancelled, { reason: ctx.reason });
 * }
 * ```
 */
export function rejected(domain: string, commandType: MessageType | string) {
  if (typeof domain !== "string" || domain === "") throw new DefinitionError("@rejected(domain, command): domain is required");
  if (typeof commandType !== "string") assertMessageType(commandType, "@rejected(domain, command): command");
  const name = typeof commandType === "string" ? commandType : commandType.$type;
  return function <This, Fn extends (this: This, rejection: CompensationContext) => RejectionReturn>(
    method: Fn,
    context: ClassMethodDecoratorContext<This, Fn>,
  ): void {
    register(context, "rejected", rejectionKey(domain, name), undefined, undefined, method as MemberRecord["fn"]);
  };
}

/**
 * Marks a method of an Upcaster as the migration of one stored event type to a newer one.
 * Migrations chain: V1 -> V2 and V2 -> V3 turn a stored V1 into V3.
 * @throws TypeError when `from` or `to` is not a generated codec; DefinitionError (when the
 * class is defined) for a second migration of `from`.
 * @example
 * ```ts
 * @upcasts(OrderCreatedV1, OrderCreated)
 * v1(old: OrderCreatedV1): OrderCreated {
 *   return { customerId: old.customer };
 * }
 * ```
 */
export function upcasts<F, T>(from: MessageType<F>, to: MessageType<T>) {
  assertMessageType(from, "@upcasts(from, to): from");
  assertMessageType(to, "@upcasts(from, to): to");
  return function <This, Fn extends (this: This, old: F) => T>(method: Fn, context: ClassMethodDecoratorContext<This, Fn>): void {
    register(context, "upcasts", from.$type, from, to, method as MemberRecord["fn"]);
  };
}
