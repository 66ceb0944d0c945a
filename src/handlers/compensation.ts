import { BusinessResponse, RevocationResponse } from "../gen/angzarr/command_handler.js";
import { Notification, RejectionNotification, type CommandBook, type Cover } from "../gen/angzarr/types.js";
import type { Any } from "../gen/google/protobuf/any.js";
import { anyIs, typeNameFromUrl, unpackAny } from "../core/any.js";
import { pageCommand } from "../core/books.js";
import type { MessageType } from "../core/message.js";

/**
 * True when an Any (or type URL) is an `angzarr.Notification`, whichever prefix it carries
 * (`type.googleapis.com/` from SDKs, `type.angzarr.io/` from the coordinator).
 */
export function isNotification(value: Any | string): boolean {
  return anyIs(value, Notification);
}

/**
 * What a rejection handler learns about a command that another aggregate refused: built from
 * the `Notification` the coordinator delivers to the command's source aggregate.
 * @example
 * new CommandRouter("orders", orderState).onRejected("inventory", ReserveStock, (ctx, state) =>
 *   event(OrderCancelled, { reason: `${ctx.rejectedDomain} refused ${ctx.rejectedCommandType}: ${ctx.reason}` }),
 * );
 */
export class CompensationContext {
  /** The notification as delivered. */
  readonly notification: Notification;
  /** Its payload. */
  readonly rejection: RejectionNotification;

  private constructor(notification: Notification, rejection: RejectionNotification) {
    this.notification = notification;
    this.rejection = rejection;
  }

  /**
   * Read a Notification. Undefined when its payload is not a RejectionNotification (other
   * framework notifications carry no rejected command).
   */
  static fromNotification(notification: Notification): CompensationContext | undefined {
    const rejection = unpackAny(RejectionNotification, notification.payload);
    return rejection ? new CompensationContext(notification, rejection) : undefined;
  }

  /** Decode a packed Notification (either type URL prefix); undefined for anything else. */
  static fromAny(value: Any): CompensationContext | undefined {
    const notification = unpackAny(Notification, value);
    return notification ? CompensationContext.fromNotification(notification) : undefined;
  }

  /** Why the command was refused, as the target's status message. */
  get reason(): string {
    return this.rejection.rejectionReason;
  }

  /** The refused command book, when the notification carries it. */
  get rejectedCommand(): CommandBook | undefined {
    return this.rejection.rejectedCommand;
  }

  /** Domain of the aggregate that refused the command. */
  get rejectedDomain(): string {
    return this.rejection.rejectedCommand?.cover?.domain ?? "";
  }

  /** Full message name of the refused command (its first page), or "". */
  get rejectedCommandType(): string {
    const page = this.rejection.rejectedCommand?.pages[0];
    const any = page ? pageCommand(page) : undefined;
    return any ? typeNameFromUrl(any.typeUrl) : "";
  }

  /** The aggregate the notification is addressed to (the command's source). */
  get sourceCover(): Cover | undefined {
    return this.notification.cover;
  }

  /** Sequence of the source event that caused the refused command, when stamped on it. */
  get sourceSequence(): number | undefined {
    const header = this.rejection.rejectedCommand?.pages[0]?.header?.sequenceType;
    return header?.$case === "angzarrDeferred" ? header.value.sourceSeq : undefined;
  }

  /** Correlation id of the notification (falls back to the refused command's). */
  get correlationId(): string {
    return this.notification.cover?.correlationId || this.rejection.rejectedCommand?.cover?.correlationId || "";
  }

  /** Decode the refused command as `type`; undefined when it is another type. */
  commandAs<T>(type: MessageType<T>): T | undefined {
    const page = this.rejection.rejectedCommand?.pages[0];
    return unpackAny(type, page ? pageCommand(page) : undefined);
  }
}

/** What the framework should do with a rejection the business does not compensate itself. */
export interface DelegationOptions {
  /**
   * Publish a `SagaCompensationFailed` system event.
   * @default true
   */
  emitSystemRevocation?: boolean;
  /**
   * Quarantine the rejection in the dead-letter queue.
   * @default false
   */
  sendToDeadLetterQueue?: boolean;
  /**
   * Log and alert an operator.
   * @default false
   */
  escalate?: boolean;
  /**
   * Stop further processing of this compensation.
   * @default false
   */
  abort?: boolean;
}

/**
 * A BusinessResponse handing a rejection back to the framework (a RevocationResponse).
 * Return it from a rejection handler; it is also the answer when no handler matches.
 * @example
 * ```ts
 * @rejected("inventory", ReserveStock)
 * onReserveRejected(ctx: CompensationContext) {
 *   return delegateToFramework(`stock unavailable: ${ctx.reason}`, { sendToDeadLetterQueue: true });
 * }
 * ```
 */
export function delegateToFramework(reason: string, options: DelegationOptions = {}): BusinessResponse {
  const revocation: RevocationResponse = {
    emitSystemRevocation: options.emitSystemRevocation ?? true,
    sendToDeadLetterQueue: options.sendToDeadLetterQueue ?? false,
    escalate: options.escalate ?? false,
    abort: options.abort ?? false,
    reason,
  };
  return { result: { $case: "revocation", value: revocation } };
}

/** True for a BusinessResponse (as returned by delegateToFramework) rather than events. */
export function isBusinessResponse(value: unknown): value is BusinessResponse {
  return typeof value === "object" && value !== null && "result" in value && !("typeUrl" in value);
}
