/**
 * Clients of the Angzarr coordinator: commands, queries, speculation, builders and options.
 * @module
 */
export { BaseClient } from "./base-client.js";
export { Client } from "./client.js";
export { AggregateClient, CommandHandlerClient } from "./command-handler-client.js";
export { CommandBuilder } from "./command-builder.js";
export { DomainClient } from "./domain-client.js";
export { endpointFromEnv, parseEndpoint, type ParsedEndpoint } from "./endpoint.js";
export type { FactInit, TypedMessage } from "./facts.js";
export {
  DEFAULT_TIMEOUT_MS,
  type CallOptions,
  type ClientOptions,
  type MetadataInit,
  type TlsOptions,
  type TokenSource,
} from "./options.js";
export { QueryBuilder } from "./query-builder.js";
export { QueryClient, type AggregateRootRef } from "./query-client.js";
export type { RefreshOptions } from "./refresh.js";
export { ResultStream, type EventStream } from "./result-stream.js";
export type { RetryInfo, RetryPolicy } from "./retry.js";
export {
  SpeculativeClient,
  type SpeculationPoint,
  type SpeculativeClientOptions,
  type SpeculativeCommand,
} from "./speculative-client.js";
export { SyncSession } from "./sync-session.js";
export * from "./messages.js";
