/**
 * What-if execution: run commands, sagas, process managers and projectors without persisting.
 * @module
 */
import { toTimestamp, type TimeInput } from "../core/time.js";
import { InvalidArgumentError } from "../errors.js";
import {
  CommandHandlerCoordinatorServiceService as CommandSvc,
  type CommandResponse,
  type SpeculateCommandHandlerRequest,
} from "../gen/angzarr/command_handler.js";
import {
  ProcessManagerCoordinatorServiceService as PmSvc,
  type ProcessManagerHandleRequest,
  type ProcessManagerHandleResponse,
} from "../gen/angzarr/process_manager.js";
import { ProjectorCoordinatorServiceService as ProjectorSvc } from "../gen/angzarr/projector.js";
import { SagaCoordinatorServiceService as SagaSvc, type SagaHandleRequest, type SagaResponse } from "../gen/angzarr/saga.js";
import type { CommandBook, CommandRequest, EventBook, Projection, TemporalQuery } from "../gen/angzarr/types.js";
import { BaseClient } from "./base-client.js";
import { CommandBuilder } from "./command-builder.js";
import { Connection } from "./connection.js";
import type { CallOptions, ClientOptions } from "./options.js";
import { checkSequence } from "./validate.js";

/** The history a speculative command runs against: events 0..`asOfSequence`, or up to `asOfTime`. */
export type SpeculationPoint =
  | {
      /** Last sequence included (an integer ≥ 0). */
      asOfSequence: number;
    }
  | {
      /** Events created at or before this time: a Date, an RFC 3339 string or a Timestamp. */
      asOfTime: TimeInput;
    };

/** A command to speculate: a CommandBook, a CommandRequest (e.g. from `CommandBuilder.build()`) or a builder. */
export type SpeculativeCommand = CommandBook | CommandRequest | CommandBuilder;

/**
 * The HandleSyncSpeculative request for `command` at `at`.
 * @throws InvalidArgumentError without a point in time, for a bad sequence or time, or an empty command.
 */
export function speculateCommandRequest(command: SpeculativeCommand, at: SpeculationPoint): SpeculateCommandHandlerRequest {
  const book = command instanceof CommandBuilder ? command.build().command : "pages" in command ? command : command.command;
  if (!book) throw new InvalidArgumentError("speculateCommand: the request has no command");
  let pointInTime: TemporalQuery["pointInTime"];
  if (at && "asOfSequence" in at) {
    checkSequence(at.asOfSequence, "asOfSequence");
    pointInTime = { $case: "asOfSequence", value: at.asOfSequence };
  } else if (at && "asOfTime" in at) {
    pointInTime = { $case: "asOfTime", value: toTimestamp(at.asOfTime) };
  } else {
    // The coordinator refuses a speculation without a point in time (COORDINATOR.md §7).
    throw new InvalidArgumentError("speculateCommand: pass { asOfSequence } or { asOfTime }");
  }
  return { command: book, pointInTime: { pointInTime } };
}

/** Options of a SpeculativeClient: the usual client options plus where the other coordinators listen. */
export interface SpeculativeClientOptions extends ClientOptions {
  /** Endpoint of the saga coordinator (SagaCoordinatorService). @default this client's channel */
  sagaEndpoint?: string;
  /** Endpoint of the process-manager coordinator. @default this client's channel */
  processManagerEndpoint?: string;
  /** Endpoint of the projector coordinator. @default this client's channel */
  projectorEndpoint?: string;
}

/** Connections to the other coordinators, when they are not on the main channel. */
interface SpeculativeTargets {
  saga?: Connection;
  processManager?: Connection;
  projector?: Connection;
}

function openTargets(opts: SpeculativeClientOptions): SpeculativeTargets {
  const open = (endpoint: string | undefined) => (endpoint ? Connection.open(endpoint, opts) : undefined);
  return {
    saga: open(opts.sagaEndpoint),
    processManager: open(opts.processManagerEndpoint),
    projector: open(opts.projectorEndpoint),
  };
}

/**
 * Runs components speculatively: nothing is persisted or published. Commands go to the
 * aggregate coordinator; sagas, process managers and projectors to their coordinators (the same
 * channel unless `sagaEndpoint` etc. say otherwise).
 *
 * @example
 * await using speculative = SpeculativeClient.connect("localhost:1310");
 * const preview = await speculative.speculateCommand(
 *   commands.command("orders", root).withCommand(CancelOrder, { reason: "test" }),
 *   { asOfSequence: 4 },
 * );
 */
export class SpeculativeClient extends BaseClient {
  readonly #targets: SpeculativeTargets;

  /** @internal Use the static factories; opens the connections `opts` asks for. */
  constructor(connection: Connection, ownsConnection: boolean, opts: SpeculativeClientOptions) {
    super(connection, ownsConnection);
    this.#targets = openTargets(opts);
  }

  /**
   * Run a command against the aggregate's history up to `at` (HandleSyncSpeculative).
   * @throws InvalidArgumentError before the call for a missing point in time; ClientError from the call.
   */
  async speculateCommand(command: SpeculativeCommand, at: SpeculationPoint, opts?: CallOptions): Promise<CommandResponse> {
    return this.unary(CommandSvc.handleSyncSpeculative, speculateCommandRequest(command, at), opts, "query");
  }

  /** What a saga would emit for `request.source` (SagaCoordinatorService.ExecuteSpeculative). */
  speculateSaga(request: SagaHandleRequest, opts?: CallOptions): Promise<SagaResponse> {
    return this.unary(SagaSvc.executeSpeculative, { request }, opts, "query", this.#targets.saga);
  }

  /**
   * What a process manager would do for `request.trigger` (ProcessManagerCoordinatorService.HandleSpeculative).
   * A process manager's state is keyed by the trigger's correlation ID, so a trigger without
   * one is refused here, before sending: the coordinator itself does not check it (it would just
   * ask the process manager, which decides nothing for an uncorrelated trigger).
   * @throws InvalidArgumentError before the call when the trigger has no correlation ID; ClientError from the call.
   */
  async speculateProcessManager(request: ProcessManagerHandleRequest, opts?: CallOptions): Promise<ProcessManagerHandleResponse> {
    if (request.trigger && !request.trigger.cover?.correlationId) {
      throw new InvalidArgumentError("speculateProcessManager: the trigger has no correlation ID (process managers are keyed by it)");
    }
    return this.unary(PmSvc.handleSpeculative, { request }, opts, "query", this.#targets.processManager);
  }

  /** The projection a projector would produce for `events` (ProjectorCoordinatorService.HandleSpeculative). */
  speculateProjector(events: EventBook, opts?: CallOptions): Promise<Projection> {
    return this.unary(ProjectorSvc.handleSpeculative, { events }, opts, "query", this.#targets.projector);
  }

  /** Also closes the connections opened for `sagaEndpoint` and friends. */
  override async close(): Promise<void> {
    for (const target of Object.values(this.#targets as Record<string, Connection | undefined>)) target?.close();
    await super.close();
  }
}
