/**
 * Business logic served to the coordinator: aggregates (class and function style), state
 * building, sagas, process managers, projectors, upcasters, compensation, and the builders of
 * the books they emit.
 * @module
 */
export { Aggregate, aggregate, type AggregateClass } from "./aggregate.js";
export { handles, applies, handlesFact, rejected, upcasts, type StateOf } from "./decorators.js";
export { CommandRouter, type CommandContext, type CommandHandlerFn, type CommandRouterOptions, type RejectionHandlerFn } from "./command-router.js";
export { StateRouter, type EventApplier, type RebuildState } from "./state-router.js";
export { event, eventBook, type EventBookOptions, type EventLike, type HandlerResult, type HandlerReturn } from "./events.js";
export { commandBook, factBook, type CommandBookOptions, type FactBookOptions } from "./outbound.js";
export { Destinations } from "./destinations.js";
export type { SourceEvent } from "./source-event.js";
export {
  SagaRouter,
  SagaHandlers,
  type SagaDomainHandler,
  type SagaEventContext,
  type SagaHandlerResponse,
  type SagaHandlerReturn,
} from "./saga-router.js";
export {
  ProcessManagerRouter,
  ProcessManagerHandlers,
  type ProcessManagerDomainHandler,
  type ProcessManagerEventContext,
  type ProcessManagerHandlerResponse,
  type ProcessManagerHandlerReturn,
  type PrepareReturn,
} from "./process-manager-router.js";
export { ProjectorRouter, type ProjectionContext, type ProjectionFn } from "./projector-router.js";
export { UpcasterRouter, Upcaster, type UpcasterClass } from "./upcaster-router.js";
export { CompensationContext, delegateToFramework, type DelegationOptions } from "./compensation.js";
export type { RejectionReturn } from "./execute-command.js";
export type { AggregateComponent, SagaComponent, ProcessManagerComponent, ProjectorComponent, UpcasterComponent } from "./components.js";
export { DefinitionError, DispatchError } from "./errors.js";
// Wire messages of the business-logic services that handler code meets (those the client API
// already exports are not repeated). Each is a type and its codec.
export { ContextualCommand, Notification, RejectionNotification } from "../gen/angzarr/types.js";
export { FactRequest, ReplayRequest, ReplayResponse, RevocationResponse } from "../gen/angzarr/command_handler.js";
export { ProcessManagerPrepareRequest, ProcessManagerPrepareResponse } from "../gen/angzarr/process_manager.js";
export { UpcastRequest, UpcastResponse } from "../gen/angzarr/upcaster.js";
