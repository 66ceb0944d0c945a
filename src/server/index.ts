/**
 * gRPC servers for business logic, with grpc.health.v1 and graceful shutdown, and the loggers
 * they take.
 * @module
 */
export {
  serveComponents,
  runAggregateServer,
  runSagaServer,
  runProcessManagerServer,
  runProjectorServer,
  runUpcasterServer,
  type Components,
  type AggregateInput,
  type UpcasterInput,
} from "./serve-components.js";
export type { ServerHandle, ServerOptions, ServerTlsOptions } from "./start-server.js";
export { runMain, type RunMainOptions } from "./run-main.js";
export { addressFromEnv } from "./address-from-env.js";
export {
  consoleLogger,
  createLogger,
  silentLogger,
  type LogFields,
  type LogFormat,
  type Logger,
  type LogLevel,
  type ServerLogger,
} from "../logger.js";
