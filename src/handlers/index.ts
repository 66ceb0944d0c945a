// Business logic served to the coordinator: aggregates (class and function style), state
// building, sagas, process managers, projectors, upcasters, compensation.
export { Aggregate, aggregate, aggregateHandler, type AggregateClass } from "./aggregate.js";
export { handles, applies, handlesFact, rejected, upcasts, type StateOf } from "./decorators.js";
export { CommandRouter, type CommandContext, type CommandHandlerFn, type CommandRouterOptions, type RejectionHandlerFn } from "./command-router.js";
export { StateRouter, type EventApplier, type RebuildState } from "./state-router.js";
export { event, packEvent, packEvents, toAny, isAny, type EventLike, type HandlerResult, type HandlerReturn } from "./events.js";
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
export { UpcasterRouter, Upcaster, upcasterHandler, type UpcasterClass } from "./upcaster-router.js";
export {
  CompensationContext,
  delegateToFramework,
  isNotification,
  isBusinessResponse,
  type DelegationOptions,
} from "./compensation.js";
export type { RejectionReturn } from "./execute-command.js";
export type {
  AggregateComponent,
  SagaComponent,
  ProcessManagerComponent,
  ProjectorComponent,
  UpcasterComponent,
} from "./components.js";
export { DefinitionError, DispatchError } from "./errors.js";
export { statusFromError, type HandlerStatus } from "./status.js";
export * from "./messages.js";
