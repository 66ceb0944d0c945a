import type { BusinessResponse, FactRequest, ReplayRequest, ReplayResponse } from "../gen/angzarr/command_handler.js";
import type {
  ProcessManagerHandleRequest,
  ProcessManagerHandleResponse,
  ProcessManagerPrepareRequest,
  ProcessManagerPrepareResponse,
} from "../gen/angzarr/process_manager.js";
import type { SagaHandleRequest, SagaResponse } from "../gen/angzarr/saga.js";
import type { ContextualCommand, EventBook, Projection } from "../gen/angzarr/types.js";
import type { UpcastRequest, UpcastResponse } from "../gen/angzarr/upcaster.js";
import type { MessageType } from "../core/message.js";

/**
 * Business logic for one aggregate domain, as the servers and the test harness drive it
 * (`angzarr.CommandHandlerService`). Implemented by CommandRouter and by `aggregateHandler(Cls)`.
 */
export interface AggregateComponent<S = unknown> {
  /** Domain whose commands this component handles. */
  readonly domain: string;
  /** Codec of the state when it is a message (snapshots, Replay). */
  readonly stateType: MessageType<S> | undefined;
  /** Handle one command book against the aggregate's prior events. */
  handle(request: ContextualCommand): Promise<BusinessResponse>;
  /** Turn injected facts into the events to persist (the coordinator renumbers them). */
  handleFact(request: FactRequest): Promise<EventBook>;
  /** Rebuild state from a base snapshot and events, packed as `stateType`. */
  replay(request: ReplayRequest): Promise<ReplayResponse>;
  /** State after a whole book (snapshot first when present). */
  rebuildState(book: EventBook): S;
}

/** A saga as the servers drive it (`angzarr.SagaService`). Implemented by SagaRouter. */
export interface SagaComponent {
  /** Saga name (used in logs and fact ids). */
  readonly name: string;
  /** Domain whose events the saga reacts to. */
  readonly sourceDomain: string;
  /** React to a source book: commands for other aggregates and facts to inject. */
  handle(request: SagaHandleRequest): Promise<SagaResponse>;
}

/** A process manager as the servers drive it (`angzarr.ProcessManagerService`). */
export interface ProcessManagerComponent {
  /** Process manager name. */
  readonly name: string;
  /** Domain of the process manager's own events. */
  readonly pmDomain: string;
  /** Source domains it subscribes to. */
  readonly sourceDomains: readonly string[];
  /** Name the aggregates whose state the handle step needs. */
  prepare(request: ProcessManagerPrepareRequest): Promise<ProcessManagerPrepareResponse>;
  /** React to a trigger: own events, commands and facts. */
  handle(request: ProcessManagerHandleRequest): Promise<ProcessManagerHandleResponse>;
}

/** A projector as the servers drive it (`angzarr.ProjectorService`). */
export interface ProjectorComponent {
  /** Projector name, reported in each Projection. */
  readonly name: string;
  /** Domains it projects; undefined means every domain. */
  readonly domains: readonly string[] | undefined;
  /** Project a book; `speculative` asks for no side effects. */
  handle(book: EventBook, speculative: boolean): Promise<Projection>;
}

/** An upcaster as the servers drive it (`angzarr.UpcasterService`). */
export interface UpcasterComponent {
  /** Domain whose stored events it migrates. */
  readonly domain: string;
  /** Migrate a list of pages to their current versions. */
  upcast(request: UpcastRequest): Promise<UpcastResponse>;
}
