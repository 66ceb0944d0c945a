/**
 * Children started by tests run in their own process group (`spawn(..., { detached: true })`),
 * and {@link ownGroup} kills that whole group when this process exits: a test runner's timeout
 * or a failed assertion never leaves a coordinator, handler or tsx wrapper behind. (A SIGKILL
 * of this process runs no handler at all: for that, children watch their standard input, see
 * `ANGZARR_EXIT_WITH_PARENT`.)
 */
import type { ChildProcess } from "node:child_process";

/** Kills `child`'s process group now; a no-op when it is gone. */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals = "SIGKILL"): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is already gone
  }
}

/** Arranges for the process group of `child` (spawned detached) to die with this process. */
export function ownGroup(child: ChildProcess): ChildProcess {
  const onExit = () => killGroup(child);
  process.on("exit", onExit);
  child.once("exit", () => process.off("exit", onExit));
  return child;
}
