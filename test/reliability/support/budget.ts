/**
 * Wall-clock budgets for the load parts of the reliability suite (crash, concurrency, fuzz).
 * Each part works until its budget is spent, then checks its invariants over whatever it did:
 * a slow machine does less work, never a different check. `ANGZARR_RELIABILITY_BUDGET_S`
 * sets the budget of each part on each store (default 20 s); a floor of work per part proves
 * that it really ran, whatever the machine.
 */

/** Seconds each timed part may work for, per store. */
export const BUDGET_S = budgetFromEnv(process.env.ANGZARR_RELIABILITY_BUDGET_S);

function budgetFromEnv(value: string | undefined): number {
  if (value === undefined || value.trim() === "") return 20;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new Error(`ANGZARR_RELIABILITY_BUDGET_S: expected a positive number of seconds, got ${JSON.stringify(value)}`);
  return seconds;
}

/** A running budget: started when created. */
export class Budget {
  private readonly started = performance.now();
  constructor(readonly seconds: number = BUDGET_S) {}

  /** True once the budget is used up. */
  get spent(): boolean {
    return this.elapsedSeconds >= this.seconds;
  }

  get elapsedSeconds(): number {
    return (performance.now() - this.started) / 1000;
  }

  /** `budget 20 s` for the figure lines. */
  toString(): string {
    return `budget ${this.seconds} s`;
  }
}
