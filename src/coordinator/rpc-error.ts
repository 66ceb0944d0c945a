import { Metadata, status as Status, type StatusObject } from "@grpc/grpc-js";

/** The trailer Angzarr uses for the EventBook attached to a sequence mismatch (COORDINATOR.md §5.3). */
export const DETAILS_TRAILER = "grpc-status-details-bin";

/**
 * A failure the coordinator answers with a specific gRPC status. Every pipeline throws these;
 * the server adapters turn them into statuses and anything else into INTERNAL.
 */
export class RpcError extends Error {
  override readonly name = "RpcError";

  constructor(
    readonly code: Status,
    message: string,
    /** Raw bytes for the `grpc-status-details-bin` trailer, when the status carries details. */
    readonly details?: Uint8Array,
  ) {
    super(message);
  }

  /** The status object grpc-js sends. */
  toStatus(): Partial<StatusObject> {
    const metadata = new Metadata();
    if (this.details) metadata.set(DETAILS_TRAILER, Buffer.from(this.details));
    return { code: this.code, details: this.message, metadata };
  }
}

/** INVALID_ARGUMENT with `message`. */
export const invalidArgument = (message: string): RpcError => new RpcError(Status.INVALID_ARGUMENT, message);
/** FAILED_PRECONDITION with `message` and optional details bytes. */
export const failedPrecondition = (message: string, details?: Uint8Array): RpcError => new RpcError(Status.FAILED_PRECONDITION, message, details);
/** INTERNAL with `message`. */
export const internal = (message: string): RpcError => new RpcError(Status.INTERNAL, message);

/**
 * A component (projector, saga, process manager) failing before anything was stored, under the
 * reference's message: INTERNAL, except that a component refusing its input as INVALID_ARGUMENT
 * stays INVALID_ARGUMENT, so the caller learns that its request is at fault.
 */
export function componentFailure(message: string, cause: unknown): RpcError {
  const refused = (cause as { code?: unknown } | undefined)?.code === Status.INVALID_ARGUMENT;
  return new RpcError(refused ? Status.INVALID_ARGUMENT : Status.INTERNAL, message);
}

/** The text of any thrown value, for status messages and logs. */
export function errorText(err: unknown): string {
  if (err instanceof RpcError) return err.message;
  const se = err as { code?: unknown; details?: unknown } | undefined;
  if (se && typeof se.code === "number" && typeof se.details === "string") return se.details;
  return err instanceof Error ? err.message : String(err);
}

/** `CODE: message` for an error that carries a gRPC status, else just its text. */
export function describeError(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === "number" && Status[code] ? `${Status[code]}: ${errorText(err)}` : errorText(err);
}

/** Wraps a storage failure as INTERNAL `<prefix>: <storage text>` (COORDINATOR.md §5.2). */
export function storageFailure(prefix: string, err: unknown): RpcError {
  return err instanceof RpcError ? err : internal(`${prefix}: ${errorText(err)}`);
}
