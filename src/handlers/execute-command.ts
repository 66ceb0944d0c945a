import type { BusinessResponse, FactRequest, ReplayRequest, ReplayResponse } from "../gen/angzarr/command_handler.js";
import type { CommandPage, ContextualCommand, Cover, EventBook, EventPage } from "../gen/angzarr/types.js";
import type { Any } from "../gen/google/protobuf/any.js";
import { PayloadDecodeError, packAny, typeNameFromUrl } from "../core/any.js";
import { pageCommand, pageEvent } from "../core/books.js";
import type { MessageType } from "../core/message.js";
import { Status } from "../errors.js";
import { CompensationContext, delegateToFramework, isBusinessResponse, isNotification } from "./compensation.js";
import { CommandSession } from "./command-session.js";
import { DispatchError } from "./errors.js";
import type { HandlerReturn } from "./events.js";
import type { TypeTable } from "./type-table.js";

/** What a rejection handler may return: compensation events, or a BusinessResponse from delegateToFramework. */
export type RejectionReturn = HandlerReturn | BusinessResponse | Promise<BusinessResponse>;

/**
 * A registered command or fact handler. `type` decodes the payload; undefined hands the raw Any.
 * @internal
 */
export interface MessageRoute<T, P> {
  readonly type: MessageType | undefined;
  invoke(target: T, message: unknown, page: P): HandlerReturn;
}

/** @internal */
export interface RejectionRoute<T> {
  invoke(target: T, rejection: CompensationContext): RejectionReturn;
}

/**
 * Everything the shared command pipeline needs from an aggregate class or a CommandRouter.
 * `open` creates the per-request target the routes are invoked on.
 * @internal
 */
export interface CommandSpec<S, T> {
  readonly domain: string;
  readonly label: string;
  readonly stateType: MessageType<S> | undefined;
  readonly snapshotEvery: number | undefined;
  readonly commands: TypeTable<MessageRoute<T, CommandPage>>;
  readonly facts: TypeTable<MessageRoute<T, EventPage>>;
  readonly rejections: ReadonlyMap<string, RejectionRoute<T>>;
  open(prior: EventBook, cover: Cover): { session: CommandSession<S>; target: T };
}

/** Key of a rejection handler: the refusing domain and the refused command's full name. @internal */
export function rejectionKey(domain: string, commandType: string): string {
  return `${domain}\u0000${commandType}`;
}

/** Decode a payload with a route's codec; corrupt bytes raise PayloadDecodeError. @internal */
export function decodePayload(type: MessageType | undefined, any: Any): unknown {
  if (!type) return any;
  try {
    return type.decode(any.value);
  } catch (err) {
    throw new PayloadDecodeError(any.typeUrl, err);
  }
}

function emptyBook(cover: Cover | undefined): EventBook {
  return { cover, pages: [], snapshot: undefined, nextSequence: 0 };
}

function responseCover(command: Cover | undefined, prior: Cover | undefined, domain: string): Cover {
  const source = command ?? prior;
  return source ? { ...source } : { domain, root: undefined, correlationId: "", edition: undefined };
}

/**
 * Handle a ContextualCommand: each command page in order against one session (so a later page
 * sees the earlier pages' events); notifications go to rejection handlers.
 * @internal
 */
export async function executeCommand<S, T>(spec: CommandSpec<S, T>, request: ContextualCommand): Promise<BusinessResponse> {
  const command = request.command;
  if (!command || command.pages.length === 0) {
    throw new DispatchError(Status.INVALID_ARGUMENT, "ContextualCommand carries no command pages");
  }
  const prior = request.events ?? emptyBook(command.cover);
  const { session, target } = spec.open(prior, responseCover(command.cover, prior.cover, spec.domain));
  for (const page of command.pages) {
    const any = pageCommand(page);
    if (!any) {
      throw new DispatchError(Status.INVALID_ARGUMENT, "command page carries no inline payload (external payloads are not supported)");
    }
    if (isNotification(any)) {
      const revocation = await executeRejection(spec, target, session, any);
      if (revocation) return revocation;
      continue;
    }
    const route = spec.commands.get(any.typeUrl);
    if (!route) {
      throw new DispatchError(
        Status.INVALID_ARGUMENT,
        `Unknown command type: ${typeNameFromUrl(any.typeUrl)} (${spec.label} handles domain ${spec.domain})`,
      );
    }
    session.emit(await route.invoke(target, decodePayload(route.type, any), page));
  }
  return { result: { $case: "events", value: session.toEventBook(spec.snapshotEvery) } };
}

async function executeRejection<S, T>(
  spec: CommandSpec<S, T>,
  target: T,
  session: CommandSession<S>,
  any: Any,
): Promise<BusinessResponse | undefined> {
  const rejection = CompensationContext.fromAny(any);
  if (!rejection) return undefined;
  const route = spec.rejections.get(rejectionKey(rejection.rejectedDomain, rejection.rejectedCommandType));
  if (!route) {
    return delegateToFramework(
      `${spec.label} has no compensation for ${rejection.rejectedCommandType || "a command"} ` +
        `rejected by ${rejection.rejectedDomain || "an unknown domain"}: ${rejection.reason}`,
    );
  }
  const result = await route.invoke(target, rejection);
  if (isBusinessResponse(result)) return result;
  session.emit(result);
  return undefined;
}

/**
 * Handle injected facts: pages with a fact handler are replaced by its events, the others are
 * kept as they are; all are numbered from the prior book's next sequence.
 * @internal
 */
export async function executeFacts<S, T>(spec: CommandSpec<S, T>, request: FactRequest): Promise<EventBook> {
  const facts = request.facts;
  if (!facts) throw new DispatchError(Status.INVALID_ARGUMENT, "FactRequest carries no facts");
  const prior = request.priorEvents ?? emptyBook(facts.cover);
  const { session, target } = spec.open(prior, responseCover(facts.cover, prior.cover, spec.domain));
  for (const page of facts.pages) {
    const any = pageEvent(page);
    const route = any ? spec.facts.get(any.typeUrl) : undefined;
    if (!any || !route) {
      session.adopt(page);
      continue;
    }
    session.emit(await route.invoke(target, decodePayload(route.type, any), page), page.createdAt);
  }
  return session.toEventBook(spec.snapshotEvery);
}

/**
 * Rebuild state from a base snapshot plus events and pack it (MERGE_COMMUTATIVE field checks).
 * @internal
 */
export function executeReplay<S, T>(spec: CommandSpec<S, T>, request: ReplayRequest): ReplayResponse {
  const stateType = spec.stateType;
  if (!stateType) {
    throw new DispatchError(Status.UNIMPLEMENTED, `${spec.label} declares no stateType, so it cannot answer Replay`);
  }
  const book: EventBook = { cover: undefined, snapshot: request.baseSnapshot, pages: request.events, nextSequence: 0 };
  const { session } = spec.open(book, responseCover(undefined, undefined, spec.domain));
  return { state: packAny(stateType, session.state) };
}
