// gRPC servers for business logic, with grpc.health.v1 and graceful shutdown.
export {
  serveComponents,
  runAggregateServer,
  runSagaServer,
  runProcessManagerServer,
  runProjectorServer,
  runUpcasterServer,
  DEFAULT_ADDRESS,
  type Components,
  type AggregateInput,
  type UpcasterInput,
} from "./serve-components.js";
export { DEFAULT_GRACE_MS, type ServerHandle, type ServerOptions, type ServerTlsOptions } from "./start-server.js";
export { runMain, type RunMainOptions } from "./run-main.js";
export { addressFromEnv } from "./address-from-env.js";
export {
  consoleLogger,
  createLogger,
  isLogFormat,
  isLogLevel,
  LOG_FORMATS,
  LOG_LEVELS,
  silentLogger,
  type LogFields,
  type LogFormat,
  type Logger,
  type LogLevel,
  type ServerLogger,
} from "../logger.js";
export { HealthService, HealthCheckRequest, HealthCheckResponse, ServingStatus } from "./health.js";
