/**
 * The HandleCommand retry loop (COORDINATOR.md §5.6). The real coordinator retries every
 * FAILED_PRECONDITION 10 times (10 ms ×2, capped at 2 s, +0–100 % jitter), so a permanently
 * failing command takes 6.6–13.1 s. The default here keeps races protected but tests fast.
 */
import { status as Status } from "@grpc/grpc-js";
import { backoffDelayMs, hasAttemptLeft, type BackoffSchedule } from "../../core/backoff.js";
import { RpcError } from "../rpc-error.js";

/**
 * How the command pipeline retries FAILED_PRECONDITION outcomes: a backoff schedule
 * (`maxAttempts` counts the first attempt; each delay becomes `d × (1 − jitter × random)`) and
 * which failures it retries.
 */
export interface CommandRetryPolicy extends BackoffSchedule {
  /**
   * true: retry every FAILED_PRECONDITION (the reference behaviour, business rejections and
   * revocations included); false: retry only sequence races, i.e. `Sequence conflict:` and
   * `Sequence mismatch:` failures (the rule adopted after the reference, §17) except a command
   * expecting an older sequence than stored, which no retry can fix.
   */
  retryBusinessRejections: boolean;
}

/**
 * Default: only sequence races (not stale commands), 6 attempts, 5 ms ×2 capped at 80 ms, full
 * jitter (each wait anywhere from 0 to its delay; ≤ 155 ms in total).
 */
export const FAST_RETRY: CommandRetryPolicy = {
  maxAttempts: 6,
  initialDelayMs: 5,
  maxDelayMs: 80,
  multiplier: 2,
  jitter: 1,
  retryBusinessRejections: false,
};

/**
 * The reference schedule (§5.6): 11 attempts on every FAILED_PRECONDITION, waiting 10 ms ×2
 * capped at 2 s plus 0–100 % (backon's additive jitter). That is the same as 20 ms ×2 capped at
 * 4 s minus 0–50 %: waits of 10–20 ms, 20–40 ms, … 2–4 s.
 */
export const FAITHFUL_RETRY: CommandRetryPolicy = {
  maxAttempts: 11,
  initialDelayMs: 20,
  maxDelayMs: 4000,
  multiplier: 2,
  jitter: 0.5,
  retryBusinessRejections: true,
};

/** True when the policy retries this failure. */
export function isRetryable(policy: CommandRetryPolicy, err: unknown): boolean {
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

/** Runs `run` until it succeeds, fails with a non-retryable error, or attempts run out. */
export async function withRetry<T>(policy: CommandRetryPolicy, run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (!hasAttemptLeft(policy, attempt) || !isRetryable(policy, err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, backoffDelayMs(policy, attempt)));
    }
  }
}
