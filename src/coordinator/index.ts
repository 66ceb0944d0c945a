/**
 * The embedded, Angzarr-compatible coordinator (`angzarr-client/coordinator`): serves
 * CommandHandlerCoordinatorService, EventQueryService and health on one gRPC listener and
 * calls business-logic processes like Angzarr 0.5.1's aggregate sidecar.
 */
export { startCoordinator, type CoordinatorHandle } from "./coordinator.js";
export {
  ConfigError,
  DEFAULTS,
  loadConfigFromEnv,
  SETTINGS,
  validateConfig,
  type CoordinatorConfig,
  type Setting,
} from "./config.js";
export { createLogger, isLogLevel, LOG_LEVELS, silentLogger, type LogFields, type Logger, type LogLevel } from "./logger.js";
export { FAITHFUL_RETRY, FAST_RETRY, type RetryPolicy } from "./retry.js";
export type { ProjectorRoute, RoutingConfig, SagaRoute } from "./routing.js";
export { MAX_DETAILS_BYTES } from "./command-pipeline.js";
export { MAX_CASCADE_DEPTH } from "./sync.js";
export { ServingStatus } from "./health.js";
export * from "./storage/index.js";
