/** What counts as a correct answer to a random or damaged request. */
import { status as Status } from "@grpc/grpc-js";
import { OVERSIZED_BYTES } from "./mutate.js";
import type { Outcome } from "./raw-call.js";
import type { Rpc } from "./requests.js";

/** Codes that mean the server, not the input, failed (or never answered). */
const SERVER_FAULTS = new Set<Status>([
  Status.INTERNAL,
  Status.UNKNOWN,
  Status.UNAVAILABLE,
  Status.DATA_LOSS,
  Status.CANCELLED,
  Status.DEADLINE_EXCEEDED,
]);

/** RPCs that store events before their synchronous components run (COORDINATOR.md §12). */
const PERSISTING = /\/(HandleCommand|HandleEvent|HandleCompensation|SagaCoordinatorService\/Execute|ProcessManagerCoordinatorService\/Handle)$/;
/** The coordinator's messages for a synchronous component that failed after the events were stored. */
const COMPONENT_FAILED = /^(Projector sync failed|Saga .+ failed|Process manager .+ failed|Saga orchestration failed|PM orchestration failed): /;

/**
 * True for the documented post-persist failure (§12): the request's events were stored, then a
 * synchronous projector, saga or process manager failed (here: could not decode an event the
 * caller sent, which the coordinator stores without decoding), and that fails the call with
 * INTERNAL. Such a request was accepted, not rejected.
 */
export function isPostPersistFailure(rpc: Rpc, outcome: Outcome): boolean {
  return outcome.code === Status.INTERNAL && PERSISTING.test(rpc.path) && COMPONENT_FAILED.test(outcome.details);
}

/** True when the server cannot decode `bytes` as the RPC's request type. */
export function undecodable(rpc: Rpc, bytes: Buffer): boolean {
  try {
    rpc.decode(bytes);
    return false;
  } catch {
    return true;
  }
}

/**
 * Undefined when `outcome` is an acceptable answer to `bytes`, else why not: every answer is a
 * status other than a server fault (post-persist component failures excepted); input larger than
 * the receive limit is RESOURCE_EXHAUSTED; undecodable input is INVALID_ARGUMENT.
 */
export function judge(rpc: Rpc, bytes: Buffer, outcome: Outcome): string | undefined {
  const got = `${Status[outcome.code]} ${JSON.stringify(outcome.details)}`;
  if (outcome.code === Status.DEADLINE_EXCEEDED) return `no answer before the deadline (${got})`;
  if (SERVER_FAULTS.has(outcome.code) && !isPostPersistFailure(rpc, outcome)) return `server fault: ${got}`;
  if (bytes.length > OVERSIZED_BYTES) return outcome.code === Status.RESOURCE_EXHAUSTED ? undefined : `oversized request answered ${got}`;
  if (undecodable(rpc, bytes) && outcome.code !== Status.INVALID_ARGUMENT) return `undecodable request answered ${got}`;
  return undefined;
}
