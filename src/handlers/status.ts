import { randomBytes } from "node:crypto";
import { PayloadDecodeError } from "../core/any.js";
import { CommandRejectedError, InvalidArgumentError, Status } from "../errors.js";
import { DefinitionError, DispatchError } from "./errors.js";

/** How a failure of business logic is answered on the wire. */
export interface HandlerStatus {
  /** gRPC status code. */
  readonly code: Status;
  /** Status message sent to the caller: the error's message for known errors, a generic text with a reference otherwise. */
  readonly details: string;
  /**
   * Reference of an unexpected failure (also in `details`), to find it in the server log;
   * undefined for business rejections and dispatch errors, which need no log entry.
   */
  readonly ref: string | undefined;
}

/**
 * Map an error thrown by business logic to the status the caller sees:
 * CommandRejectedError -> its status code and message; DispatchError -> its code;
 * PayloadDecodeError and InvalidArgumentError -> INVALID_ARGUMENT; a DefinitionError ->
 * INTERNAL with its message; anything else -> INTERNAL with a generic message and a
 * reference, never the error's message or stack (log those with the reference).
 */
export function statusFromError(err: unknown): HandlerStatus {
  if (err instanceof CommandRejectedError || err instanceof DispatchError) {
    return err.code === Status.OK
      ? { code: Status.UNKNOWN, details: err.message, ref: undefined }
      : { code: err.code, details: err.message, ref: undefined };
  }
  if (err instanceof PayloadDecodeError || err instanceof InvalidArgumentError) {
    return { code: Status.INVALID_ARGUMENT, details: err.message, ref: undefined };
  }
  const ref = randomBytes(6).toString("hex");
  if (err instanceof DefinitionError) return { code: Status.INTERNAL, details: `${err.message} (ref ${ref})`, ref };
  return { code: Status.INTERNAL, details: `internal error in business logic (ref ${ref})`, ref };
}
