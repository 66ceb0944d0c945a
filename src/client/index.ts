/**
 * Clients of the Angzarr coordinator: commands, queries, speculation, builders and options.
 * @module
 */
export { BaseClient, type EnvEndpoint } from "./base-client.js";
export { Client } from "./client.js";
export { AggregateClient, CommandHandlerClient } from "./command-handler-client.js";
export { CommandBuilder } from "./command-builder.js";
export { DomainClient, type DomainClientOptions } from "./domain-client.js";
export type { FactInit, TypedMessage } from "./facts.js";
export type { CallOptions, ClientOptions, MetadataInit, TlsOptions, TokenSource } from "./options.js";
export { QueryBuilder } from "./query-builder.js";
export { QueryClient, type AggregateRootRef } from "./query-client.js";
export type { RefreshOptions } from "./refresh.js";
export { ResultStream, type EventStream } from "./result-stream.js";
export type { RetryInfo, RetryPolicy } from "./retry.js";
export { SpeculativeClient, type SpeculationPoint, type SpeculativeClientOptions, type SpeculativeCommand } from "./speculative-client.js";
export { SyncSession } from "./sync-session.js";
// The wire messages and enums that appear in the client API (the rest of src/gen stays private).
// Each is both a TypeScript type and its ts-proto codec.
export { BusinessResponse, CommandResponse, FactInjectionResponse, SpeculateCommandHandlerRequest } from "../gen/angzarr/command_handler.js";
export { ProcessManagerHandleRequest, ProcessManagerHandleResponse } from "../gen/angzarr/process_manager.js";
export { SagaHandleRequest, SagaResponse } from "../gen/angzarr/saga.js";
export {
  CascadeErrorMode,
  CommandBook,
  CommandPage,
  CommandRequest,
  Cover,
  EventBook,
  EventPage,
  EventRequest,
  MergeStrategy,
  PageHeader,
  Projection,
  Query,
  Snapshot,
  SyncMode,
} from "../gen/angzarr/types.js";
export { Any } from "../gen/google/protobuf/any.js";
export { Timestamp } from "../gen/google/protobuf/timestamp.js";
