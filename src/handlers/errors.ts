import { ClientError, Status } from "../errors.js";

/**
 * A component is declared wrongly: a missing `static domain`, two handlers for one type, a
 * decorator on the wrong kind of member, overlapping registrations on one server. Raised at
 * class definition when a decorator can see the problem, otherwise at registration or first
 * instantiation; the message names the class or component.
 */
export class DefinitionError extends ClientError {
  /** `"DefinitionError"`. */
  override readonly name: string = "DefinitionError";
}

/**
 * A request reached business logic but could not be dispatched: an unknown command type, a
 * missing payload, a snapshot of the wrong type. Served as its `statusCode` with its message.
 */
export class DispatchError extends ClientError {
  /** `"DispatchError"`. */
  override readonly name: string = "DispatchError";
  /** The gRPC status the server answers with. */
  readonly statusCode: Status;

  /**
   * A dispatch failure to be served as `statusCode` with `message`.
   * @param options - `cause`: the underlying error.
   */
  constructor(statusCode: Status, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.statusCode = statusCode;
  }

  override get code(): Status {
    return this.statusCode;
  }
}
