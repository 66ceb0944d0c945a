/** A bound on the streams (GetEvents, GetAggregateRoots, Synchronize) open at once. */
import { status as Status } from "@grpc/grpc-js";
import { RpcError } from "../rpc-error.js";

/** Counts open streams against a maximum. */
export class StreamSlots {
  private open = 0;

  /** @param max - streams allowed at once (at least 1) */
  constructor(readonly max: number) {}

  /**
   * Takes a slot for a stream of `method` and returns its release (idempotent).
   * @throws RpcError RESOURCE_EXHAUSTED when every slot is taken.
   */
  take(method: string): () => void {
    if (this.open >= this.max) {
      throw new RpcError(Status.RESOURCE_EXHAUSTED, `${method}: too many concurrent streams (max: ${this.max}); retry once one of them has ended`);
    }
    this.open++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.open--;
    };
  }
}
