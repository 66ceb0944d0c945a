/**
 * Building a fact-injection request (HandleEvent).
 * @module
 */
import { packAny } from "../core/any.js";
import type { MessageType } from "../core/message.js";
import { InvalidArgumentError } from "../errors.js";
import { SyncMode, type EventPage, type EventRequest } from "../gen/angzarr/types.js";
import type { Any } from "../gen/google/protobuf/any.js";
import { checkCorrelationId, checkDomain, checkEdition, rootToProto } from "./validate.js";

/** A message with its generated type, packed by the SDK. */
export interface TypedMessage<T = unknown> {
  /** The generated message type. */
  type: MessageType<T>;
  /** The message. */
  message: T;
}

/** What `CommandHandlerClient.injectFact` needs to record external facts on an aggregate. */
export interface FactInit {
  /** Target domain. */
  domain: string;
  /** Target root (UUID string). */
  root: string;
  /**
   * Idempotency key: injecting the same `externalId` again stores nothing and answers
   * `alreadyProcessed: true` with the originally stored pages.
   */
  externalId: string;
  /** The facts, in order: typed messages (of any mix of types) or packed Anys. */
  events: ReadonlyArray<Any | TypedMessage<unknown>>;
  /** Let the aggregate's fact handler turn the facts into events. @default false (stored as given) */
  routeToHandler?: boolean;
  /** Correlation id stored with the facts. @default none */
  correlationId?: string;
  /** Edition to record the facts on. @default main timeline */
  edition?: string;
  /** How long the coordinator waits for downstream work. @default SyncMode.SYNC_MODE_ASYNC */
  syncMode?: SyncMode;
  /** Free text stored in each page's external-deferred header. @default "" */
  description?: string;
}

/**
 * The EventRequest for `init`: one page per fact, each with an `externalDeferred` header
 * carrying the external id (the coordinator assigns the sequences).
 * @throws InvalidArgumentError for a missing external id or events, or malformed cover fields.
 */
export function buildFactRequest(init: FactInit): EventRequest {
  checkDomain(init.domain);
  const root = rootToProto(init.root);
  if (!init.externalId) throw new InvalidArgumentError("injectFact: externalId is required (it makes the injection idempotent)");
  if (!init.events || init.events.length === 0) throw new InvalidArgumentError("injectFact: at least one event is required");
  if (init.correlationId) checkCorrelationId(init.correlationId);
  if (init.edition) checkEdition(init.edition);
  const description = init.description ?? "";
  const pages: EventPage[] = init.events.map((event) => ({
    header: { sequenceType: { $case: "externalDeferred", value: { externalId: init.externalId, description } } },
    createdAt: undefined,
    payload: { $case: "event", value: "typeUrl" in event ? event : packAny(event.type, event.message) },
    noCommit: false,
    cascadeId: undefined,
  }));
  return {
    events: {
      cover: {
        domain: init.domain,
        root,
        correlationId: init.correlationId ?? "",
        edition: init.edition ? { name: init.edition, divergences: [] } : undefined,
      },
      pages,
      snapshot: undefined,
      nextSequence: 0,
    },
    syncMode: init.syncMode ?? SyncMode.SYNC_MODE_ASYNC,
    routeToHandler: init.routeToHandler ?? false,
  };
}
