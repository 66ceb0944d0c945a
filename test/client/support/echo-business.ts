/**
 * The business logic behind the client tests' coordinator: an aggregate that records each
 * command as an event with the same payload, and (for speculation) a saga, a process manager
 * and a projector that echo their input. Real gRPC servers; the coordinator calls them.
 */
import type { handleUnaryCall } from "@grpc/grpc-js";
import { anyIs, unpackAny } from "../../../src/core/any.js";
import { sequenceHeader } from "../../../src/core/books.js";
import type { BusinessResponse } from "../../../src/gen/angzarr/command_handler.js";
import {
  ProcessManagerServiceService,
  type ProcessManagerHandleRequest,
  type ProcessManagerHandleResponse,
  type ProcessManagerPrepareResponse,
} from "../../../src/gen/angzarr/process_manager.js";
import { ProjectorServiceService } from "../../../src/gen/angzarr/projector.js";
import { SagaServiceService, type SagaHandleRequest, type SagaResponse } from "../../../src/gen/angzarr/saga.js";
import { Notification, type ContextualCommand, type EventBook, type Projection } from "../../../src/gen/angzarr/types.js";
import { FailWith } from "../../../examples/gen/examples/orders.js";
import { Reject, serve, startBusiness, type Business } from "../../coordinator/helpers.js";

/** Name of the echo projector, as its projections report it. */
export const ECHO_PROJECTOR = "echo-projector";

/**
 * The echo aggregate: every command page becomes an event with the same payload, numbered
 * from the aggregate's next sequence. A `FailWith` command (of the orders example) is refused
 * with its status and message; a `Notification` (compensation) is acknowledged with a
 * notification and records nothing.
 */
export function startEchoAggregate(): Promise<Business> {
  return startBusiness({ handle: echo });
}

function echo(cmd: ContextualCommand): BusinessResponse {
  const prior = cmd.events!;
  const pages = cmd.command?.pages ?? [];
  const payloads = pages.map((p) => (p.payload?.$case === "command" ? p.payload.value : undefined));
  const failWith = unpackAny(FailWith, payloads[0]);
  if (failWith) throw new Reject(failWith.code, failWith.message);
  if (anyIs(payloads[0], Notification)) {
    return { result: { $case: "notification", value: { cover: prior.cover, metadata: {} } } };
  }
  return {
    result: {
      $case: "events",
      value: {
        cover: prior.cover,
        pages: payloads.map((payload, i) => ({
          header: sequenceHeader(prior.nextSequence + i),
          payload: payload && { $case: "event", value: payload },
          noCommit: false,
        })),
        nextSequence: 0,
      },
    },
  };
}

/** A running set of echo components: one server offering a saga, a process manager and a projector. */
export interface EchoComponents {
  /** `host:port` of the server. */
  address: string;
  /** Stops the server. */
  stop(): Promise<void>;
}

/**
 * Starts the echo components: the saga answers its source book as a fact, the process manager
 * its trigger as process events, the projector a projection named {@link ECHO_PROJECTOR} at the
 * book's last sequence.
 */
export function startEchoComponents(): Promise<EchoComponents> {
  const saga: handleUnaryCall<SagaHandleRequest, SagaResponse> = ({ request }, callback) =>
    callback(null, { commands: [], events: request.source ? [request.source] : [] });
  const prepare: handleUnaryCall<unknown, ProcessManagerPrepareResponse> = (_, callback) => callback(null, { destinations: [] });
  const handle: handleUnaryCall<ProcessManagerHandleRequest, ProcessManagerHandleResponse> = ({ request }, callback) =>
    callback(null, { processEvents: request.trigger, commands: [], facts: [] });
  const project: handleUnaryCall<EventBook, Projection> = ({ request }, callback) =>
    callback(null, { cover: request.cover, projector: ECHO_PROJECTOR, sequence: Math.max(0, request.nextSequence - 1) });
  return serve([
    [SagaServiceService, { handle: saga }],
    [ProcessManagerServiceService, { prepare, handle }],
    [ProjectorServiceService, { handle: project, handleSpeculative: project }],
  ]);
}
