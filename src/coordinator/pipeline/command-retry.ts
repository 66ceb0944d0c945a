/**
 * The HandleCommand retry loop (COORDINATOR.md §5.6). The real coordinator retries every
 * FAILED_PRECONDITION 10 times (10 ms ×2, capped at 2 s, +0–100 % jitter), so a permanently
 * failing command takes 6.6–13.1 s. The default here keeps races protected but tests fast.
 */
import { status as Status } from "@grpc/grpc-js";
import { RpcError } from "../rpc-error.js";

/** How the command pipeline retries FAILED_PRECONDITION outcomes. */
export interface RetryPolicy {
  /** Retries after the first attempt (attempts = maxRetries + 1). */
  maxRetries: number;
  /** Base delay before the first retry, in milliseconds. */
  initialDelayMs: number;
  /** Upper bound of the base delay, in milliseconds (before jitter). */
  maxDelayMs: number;
  /** Factor applied to the base delay after every retry. */
  multiplier: number;
  /**
   * `full`: wait a random 0–100 % of the base delay; `additive`: base delay plus a random
   * 0–100 % of it (the real coordinator's backon jitter); `none`: exactly the base delay.
   */
  jitter: "full" | "additive" | "none";
  /**
   * true: retry every FAILED_PRECONDITION (the reference behaviour, business rejections and
   * revocations included); false: retry only sequence races, i.e. `Sequence conflict:` and
   * `Sequence mismatch:` failures (the rule adopted after the reference, §17) except a command
   * expecting an older sequence than stored, which no retry can fix.
   */
  retryBusinessRejections: boolean;
}

/** Default: only sequence races (not stale commands), 5 retries, 5 ms ×2 capped at 80 ms, full jitter (≤ 155 ms in total). */
export const FAST_RETRY: RetryPolicy = {
  maxRetries: 5,
  initialDelayMs: 5,
  maxDelayMs: 80,
  multiplier: 2,
  jitter: "full",
  retryBusinessRejections: false,
};

/** The reference schedule (§5.6): 10 retries, 10 ms ×2 capped at 2 s, additive jitter, every FAILED_PRECONDITION. */
export const FAITHFUL_RETRY: RetryPolicy = {
  maxRetries: 10,
  initialDelayMs: 10,
  maxDelayMs: 2000,
  multiplier: 2,
  jitter: "additive",
  retryBusinessRejections: true,
};

/** True when the policy retries this failure. */
export function isRetryable(policy: RetryPolicy, err: unknown): boolean {
  if (!(err instanceof RpcError) || err.code !== Status.FAILED_PRECONDITION) return false;
  return policy.retryBusinessRejections || (/^Sequence (mismatch|conflict):/.test(err.message) && !isStale(err.message));
}

/**
 * A mismatch whose command expects a sequence the aggregate has passed: aggregates never go
 * back, so the same request fails again; the caller must refresh (its details carry the state).
 */
function isStale(message: string): boolean {
  const m = /^Sequence mismatch: command expects (\d+), aggregate at (\d+)/.exec(message);
  return m !== null && Number(m[1]) < Number(m[2]);
}

/** The wait before retry number `retry` (0-based). */
export function retryDelayMs(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** retry);
  switch (policy.jitter) {
    case "full":
      return random() * base;
    case "additive":
      return base + random() * base;
    case "none":
      return base;
  }
}

/** Runs `attempt` until it succeeds, fails with a non-retryable error, or retries run out. */
export async function withRetry<T>(policy: RetryPolicy, attempt: () => Promise<T>): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (err) {
      if (retry >= policy.maxRetries || !isRetryable(policy, err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs(policy, retry)));
    }
  }
}
