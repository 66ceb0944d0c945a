/**
 * The wire messages and enums that appear in the client API, re-exported by name (the rest of
 * `src/gen` stays private). Each is both a TypeScript type and its ts-proto codec.
 * @module
 */
export {
  BusinessResponse,
  CommandResponse,
  FactInjectionResponse,
  SpeculateCommandHandlerRequest,
} from "../gen/angzarr/command_handler.js";
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
