/**
 * Retry of failed calls with exponential backoff and jitter.
 * @module
 */
import { backoffDelayMs, hasAttemptLeft, type BackoffSchedule } from "../core/backoff.js";
import { ClientError, GrpcError, InvalidArgumentError, Status } from "../errors.js";

/**
 * When and how a client retries a failed call. Off unless a policy is given.
 *
 * Only failures that mean "the server was not reached or went away" are retried: UNAVAILABLE
 * and ConnectionError/TransportError. Commands (HandleCommand, HandleEvent, HandleCompensation)
 * are not idempotent, so they are retried only with `retryCommands: true`; a command whose
 * connection broke mid-call may then be applied twice. Queries and speculation are retried.
 * Retries stop at the call's deadline (which covers all attempts) and when its signal aborts.
 */
export interface RetryPolicy {
  /** Attempts in total, the first one included. @default 5 */
  maxAttempts?: number;
  /** Delay before the first retry, in milliseconds. @default 100 */
  initialDelayMs?: number;
  /** Upper bound of the computed delay, in milliseconds. @default 5000 */
  maxDelayMs?: number;
  /** Factor applied to the delay after every retry. @default 2 */
  multiplier?: number;
  /**
   * Fraction of each delay that is randomised: the delay becomes `d × (1 − jitter × random)`.
   * 0 disables jitter. @default 0.2
   */
  jitter?: number;
  /** Also retry commands. @default false */
  retryCommands?: boolean;
  /** Called before each retry (for logging). @default none */
  onRetry?: (info: RetryInfo) => void;
}

/** What {@link RetryPolicy.onRetry} is told before a retry. */
export interface RetryInfo {
  /** The attempt that failed (1 for the first call). */
  attempt: number;
  /** How long the client waits before the next attempt. */
  delayMs: number;
  /** The failure of that attempt. */
  error: ClientError;
}

/** A RetryPolicy with every field filled: a backoff schedule and what to retry. */
export type ResolvedRetryPolicy = BackoffSchedule & Required<Pick<RetryPolicy, "retryCommands">> & Pick<RetryPolicy, "onRetry">;

/**
 * Fill defaults and check ranges.
 * @throws InvalidArgumentError for out-of-range values.
 */
export function resolveRetryPolicy(policy: RetryPolicy): ResolvedRetryPolicy {
  const resolved: ResolvedRetryPolicy = {
    maxAttempts: policy.maxAttempts ?? 5,
    initialDelayMs: policy.initialDelayMs ?? 100,
    maxDelayMs: policy.maxDelayMs ?? 5000,
    multiplier: policy.multiplier ?? 2,
    jitter: policy.jitter ?? 0.2,
    retryCommands: policy.retryCommands ?? false,
    onRetry: policy.onRetry,
  };
  const bad = (what: string, want: string) => new InvalidArgumentError(`invalid retry.${what}: expected ${want}`);
  if (!Number.isInteger(resolved.maxAttempts) || resolved.maxAttempts < 1) throw bad("maxAttempts", "an integer ≥ 1");
  if (!(resolved.initialDelayMs >= 0)) throw bad("initialDelayMs", "a number ≥ 0");
  if (!(resolved.maxDelayMs >= resolved.initialDelayMs)) throw bad("maxDelayMs", "a number ≥ initialDelayMs");
  if (!(resolved.multiplier >= 1)) throw bad("multiplier", "a number ≥ 1");
  if (!(resolved.jitter >= 0 && resolved.jitter <= 1)) throw bad("jitter", "a number in 0..1");
  return resolved;
}

/** True for the failures a RetryPolicy retries: the server was not reached or the connection broke. */
export function isTransientFailure(err: ClientError): boolean {
  return err.isConnectionError() || err.code === Status.UNAVAILABLE;
}

/** The error an aborted call rejects with: CANCELLED, with the signal's reason as cause. */
export function abortError(signal: AbortSignal): GrpcError {
  return new GrpcError(Status.CANCELLED, "Cancelled by the caller's AbortSignal", undefined, {
    cause: signal.reason,
  });
}

/** Wait `ms`, or reject with {@link abortError} as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Decide about one failed attempt: the delay before the next attempt, or undefined to give up
 * (not transient, attempts exhausted, or the wait would pass the deadline).
 * A server's `retryAfterMs` hint replaces the computed backoff.
 */
export function nextRetryDelay(policy: ResolvedRetryPolicy, attempt: number, error: ClientError, deadline: number): number | undefined {
  if (!hasAttemptLeft(policy, attempt) || !isTransientFailure(error)) return undefined;
  const delayMs = error.retryAfterMs ?? backoffDelayMs(policy, attempt);
  if (Date.now() + delayMs >= deadline) return undefined;
  policy.onRetry?.({ attempt, delayMs, error });
  return delayMs;
}
