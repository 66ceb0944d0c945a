/**
 * The COMMUTATIVE merge check (COORDINATOR.md §5.8): when a COMMUTATIVE command reaches the
 * business with a stale sequence, its effect is compared with the events it missed using three
 * `Replay` calls. Like every shipped reference binary (no descriptor pool), any byte
 * difference between states counts as "all fields changed", so the check reduces to: the
 * command may be merged when the missed events or the command's own events left the state
 * unchanged.
 */
import { status as Status } from "@grpc/grpc-js";
import { Any } from "../../gen/google/protobuf/any.js";
import { CommandHandlerServiceService } from "../../gen/angzarr/command_handler.js";
import type { EventBook, EventPage, Snapshot } from "../../gen/angzarr/types.js";
import type { BusinessChannels } from "../delivery/business-channels.js";
import { pageSequence } from "../aggregates/books.js";
import { RpcError } from "../rpc-error.js";

/** `Sequence mismatch: command expects E, aggregate at A`. */
export function mismatchMessage(expected: number, actual: number): string {
  return `Sequence mismatch: command expects ${expected}, aggregate at ${actual}`;
}

/**
 * Throws FAILED_PRECONDITION when the missed events and the command both change the state
 * (`Sequence mismatch with overlapping fields: …`) or when a state cannot be computed (Replay
 * failed, returned no state, or the snapshot is newer than `expected`: `Sequence mismatch: …`).
 */
export async function checkCommutative(
  channels: BusinessChannels,
  address: string,
  prior: EventBook,
  produced: EventPage[],
  expected: number,
  actual: number,
): Promise<void> {
  const replay = async (base: Snapshot | undefined, events: EventPage[]): Promise<Buffer> => {
    const response = await channels.call(address, CommandHandlerServiceService.replay, { baseSnapshot: base, events });
    if (!response.state) throw new Error("Replay response missing state");
    return Buffer.from(Any.encode(response.state).finish());
  };
  let overlap: boolean;
  try {
    const snapshot = prior.snapshot;
    if (snapshot && snapshot.sequence >= expected) throw new Error("state at the expected sequence is covered by a snapshot");
    const atExpected = await replay(
      snapshot,
      prior.pages.filter((p) => pageSequence(p) < expected),
    );
    const now = await replay(snapshot, prior.pages);
    const after = await replay(snapshot, [...prior.pages, ...produced]);
    overlap = !atExpected.equals(now) && !now.equals(after);
  } catch {
    throw new RpcError(Status.FAILED_PRECONDITION, mismatchMessage(expected, actual));
  }
  if (overlap) {
    throw new RpcError(Status.FAILED_PRECONDITION, `Sequence mismatch with overlapping fields: command expects ${expected}, aggregate at ${actual}`);
  }
}
