/**
 * The embedded, Angzarr-compatible coordinator (`angzarr-client/coordinator`): serves
 * CommandHandlerCoordinatorService, EventQueryService, the saga, process-manager and projector
 * coordinator services and health on one gRPC listener and calls business-logic processes like
 * Angzarr 0.5.1's sidecars.
 *
 * @example
 * import { startCoordinator } from "angzarr-client/coordinator";
 *
 * const coordinator = await startCoordinator({ port: 1310, routes: { orders: "127.0.0.1:50052" }, storage: { type: "memory" } });
 * console.log(coordinator.address, coordinator.routes);
 * process.once("SIGTERM", () => void coordinator.stop());
 *
 * @module
 */
export { startCoordinator, type CoordinatorHandle } from "./coordinator.js";
export { ConfigError, DEFAULTS, type CoordinatorConfig, type CoordinatorTlsConfig } from "./config/types.js";
export { validateConfig } from "./config/validate.js";
export { loadConfigFromEnv } from "./config/env.js";
export { createLogger, LOG_FORMATS, LOG_LEVELS, silentLogger, type LogFields, type LogFormat, type Logger, type LogLevel } from "../logger.js";
export { FAITHFUL_RETRY, FAST_RETRY, type CommandRetryPolicy } from "./pipeline/command-retry.js";
export type { ProcessManagerRoute, ProjectorRoute, RoutingConfig, SagaRoute } from "./delivery/routing.js";
export { MAX_DETAILS_BYTES } from "./pipeline/handle-command.js";
export { MAX_CASCADE_DEPTH } from "./delivery/delivery.js";
export { ServingStatus } from "../server/health.js";
export {
  MAIN_EDITION,
  MemoryEventStore,
  PostgresEventStore,
  RETENTION_TRANSIENT,
  SequenceConflictError,
  SqliteEventStore,
  StorageError,
  openEventStore,
  openPostgresEventStore,
  openSqliteEventStore,
  type AggregateKey,
  type AppendRequest,
  type AppendResult,
  type EventStore,
  type NewEvent,
  type SequenceRange,
  type StorageConfig,
  type StoredEvent,
  type StoredSnapshot,
} from "./storage/index.js";
