/**
 * Exponential backoff with jitter, the one schedule behind the client's RetryPolicy and the
 * embedded coordinator's command retry (internal: not exported from the package).
 * @module
 */

/** When to try again after a failure: how many attempts, how long to wait before each retry. */
export interface BackoffSchedule {
  /** Attempts in total, the first one included (at least 1). */
  maxAttempts: number;
  /** Delay before the first retry, in milliseconds. */
  initialDelayMs: number;
  /** Upper bound of the delay before jitter, in milliseconds. */
  maxDelayMs: number;
  /** Factor applied to the delay after every retry. */
  multiplier: number;
  /**
   * Fraction of each delay that is randomised, from 0 to 1: the delay becomes
   * `d × (1 − jitter × random)`, so 0 waits exactly `d` and 1 anywhere from 0 to `d`.
   */
  jitter: number;
}

/** Whether another attempt follows the failure of attempt number `attempt` (1 for the first). */
export function hasAttemptLeft(schedule: BackoffSchedule, attempt: number): boolean {
  return attempt < schedule.maxAttempts;
}

/**
 * The wait after the failure of attempt number `attempt` (1 for the first):
 * `min(maxDelayMs, initialDelayMs × multiplier^(attempt − 1)) × (1 − jitter × random())`.
 */
export function backoffDelayMs(schedule: Omit<BackoffSchedule, "maxAttempts">, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(schedule.maxDelayMs, schedule.initialDelayMs * schedule.multiplier ** (attempt - 1));
  return base * (1 - schedule.jitter * random());
}
