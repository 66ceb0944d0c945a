/**
 * The runner's console report, built from Cucumber's message stream: one line per feature as
 * soon as its last scenario finished, then a summary naming every failed scenario with its
 * failing step and error, and the skipped ones with the reason.
 */

/** The parts of Cucumber messages (`@cucumber/messages` envelopes) the report reads. */
export interface Envelope {
  gherkinDocument?: { uri?: string; feature?: { name: string } };
  pickle?: { id: string; uri: string; name: string; steps: ReadonlyArray<{ id: string; text: string }> };
  testCase?: { id: string; pickleId: string; testSteps: ReadonlyArray<{ id: string; pickleStepId?: string; hookId?: string }> };
  testCaseStarted?: { id: string; testCaseId: string };
  testStepFinished?: { testCaseStartedId: string; testStepId: string; testStepResult: { status: string; message?: string } };
  testCaseFinished?: { testCaseStartedId: string; willBeRetried: boolean };
  attachment?: { testCaseStartedId?: string; body: string; mediaType: string };
}

/** Outcome of one scenario. */
export type Outcome = "passed" | "failed" | "skipped";

/** A finished scenario. */
export interface ScenarioResult {
  /** Feature file, relative to the suite. */
  readonly feature: string;
  /** Scenario name. */
  readonly name: string;
  /** Passed, failed (also undefined, pending or ambiguous steps) or skipped. */
  readonly outcome: Outcome;
  /** For a failure: the failing step and the error; for a skip: the reason. */
  readonly reason?: string;
}

/** Step statuses, most severe first; a scenario takes the most severe of its steps. */
const SEVERITY = ["FAILED", "AMBIGUOUS", "UNDEFINED", "PENDING", "UNKNOWN", "SKIPPED", "PASSED"];

interface Running {
  pickleId: string;
  worst: string;
  failure?: string;
  logs: string[];
}

/** Collects envelopes and writes the per-feature lines to `out`. */
export class ConformanceReport {
  readonly #out: NodeJS.WritableStream;
  readonly #featureRoot: string;
  readonly #pickles = new Map<string, NonNullable<Envelope["pickle"]>>();
  readonly #testCases = new Map<string, NonNullable<Envelope["testCase"]>>();
  readonly #started = new Map<string, Running>();
  readonly #remaining = new Map<string, number>();
  readonly #byFeature = new Map<string, ScenarioResult[]>();
  /** Every finished scenario, in finishing order. */
  readonly results: ScenarioResult[] = [];

  /** @param featureRoot - prefix cut from feature URIs in the output */
  constructor(out: NodeJS.WritableStream, featureRoot = "") {
    this.#out = out;
    this.#featureRoot = featureRoot;
  }

  #feature(uri: string): string {
    const rel = this.#featureRoot && uri.startsWith(this.#featureRoot) ? uri.slice(this.#featureRoot.length).replace(/^[\\/]/, "") : uri;
    return rel.replace(/\\/g, "/");
  }

  /** Feeds one envelope (pass as Cucumber's `onMessage`). */
  onMessage(envelope: Envelope): void {
    if (envelope.pickle) this.#pickles.set(envelope.pickle.id, envelope.pickle);
    if (envelope.testCase) {
      this.#testCases.set(envelope.testCase.id, envelope.testCase);
      const uri = this.#pickles.get(envelope.testCase.pickleId)?.uri ?? "?";
      this.#remaining.set(uri, (this.#remaining.get(uri) ?? 0) + 1);
    }
    if (envelope.testCaseStarted) {
      const tc = this.#testCases.get(envelope.testCaseStarted.testCaseId);
      this.#started.set(envelope.testCaseStarted.id, { pickleId: tc?.pickleId ?? "", worst: "PASSED", logs: [] });
    }
    if (envelope.attachment?.testCaseStartedId && envelope.attachment.mediaType.startsWith("text/")) {
      this.#started.get(envelope.attachment.testCaseStartedId)?.logs.push(envelope.attachment.body);
    }
    if (envelope.testStepFinished) this.#stepFinished(envelope.testStepFinished);
    if (envelope.testCaseFinished && !envelope.testCaseFinished.willBeRetried) this.#caseFinished(envelope.testCaseFinished.testCaseStartedId);
  }

  #stepFinished(step: NonNullable<Envelope["testStepFinished"]>): void {
    const running = this.#started.get(step.testCaseStartedId);
    if (!running) return;
    const status = step.testStepResult.status;
    if (SEVERITY.indexOf(status) >= SEVERITY.indexOf(running.worst)) return;
    running.worst = status;
    if (status === "SKIPPED" || status === "PASSED") return;
    const pickle = this.#pickles.get(running.pickleId);
    const testStep = [...this.#testCases.values()].find((tc) => tc.pickleId === running.pickleId)?.testSteps.find((s) => s.id === step.testStepId);
    const text = testStep?.pickleStepId ? pickle?.steps.find((s) => s.id === testStep.pickleStepId)?.text : undefined;
    const where = text ? `step "${text}"` : "a hook";
    const message = status === "FAILED" ? firstLines(step.testStepResult.message ?? "no message") : `${status.toLowerCase()} step`;
    running.failure = `${where}: ${message}`;
  }

  #caseFinished(startedId: string): void {
    const running = this.#started.get(startedId);
    if (!running) return;
    const pickle = this.#pickles.get(running.pickleId);
    const uri = pickle?.uri ?? "?";
    const outcome: Outcome = running.worst === "PASSED" ? "passed" : running.worst === "SKIPPED" ? "skipped" : "failed";
    const skipNote = running.logs.find((l) => l.startsWith("skipped"));
    const reason = outcome === "failed" ? running.failure : outcome === "skipped" ? (skipNote ?? "skipped") : undefined;
    const result: ScenarioResult = { feature: this.#feature(uri), name: pickle?.name ?? "?", outcome, ...(reason ? { reason } : {}) };
    this.results.push(result);
    const list = this.#byFeature.get(uri) ?? [];
    list.push(result);
    this.#byFeature.set(uri, list);
    const left = (this.#remaining.get(uri) ?? 1) - 1;
    this.#remaining.set(uri, left);
    if (left === 0) this.#out.write(featureLine(result.feature, list) + "\n");
  }

  /** Counts per outcome. */
  counts(): Record<Outcome, number> {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    for (const r of this.results) counts[r.outcome]++;
    return counts;
  }

  /** The closing summary: counts, then every failure and every skip with its reason. */
  summary(seconds: number): string {
    const { passed, failed, skipped } = this.counts();
    const lines = ["", `${this.results.length} scenarios: ${passed} passed, ${failed} failed, ${skipped} skipped (${seconds.toFixed(1)} s)`];
    const failures = this.results.filter((r) => r.outcome === "failed");
    if (failures.length > 0) {
      lines.push("", `Failed (${failures.length}):`);
      for (const f of failures) lines.push(`  FAIL ${f.feature} > ${f.name}`, `       ${indent(f.reason ?? "failed", "       ")}`);
    }
    const skips = this.results.filter((r) => r.outcome === "skipped");
    if (skips.length > 0) {
      lines.push("", `Skipped, not counted as passed (${skips.length}):`);
      for (const s of skips) lines.push(`  SKIP ${s.feature} > ${s.name}: ${s.reason}`);
    }
    return lines.join("\n") + "\n";
  }
}

function featureLine(feature: string, results: readonly ScenarioResult[]): string {
  const n = (o: Outcome) => results.filter((r) => r.outcome === o).length;
  const mark = n("failed") > 0 ? "FAIL" : n("passed") > 0 ? "ok  " : "skip";
  const parts = [`${n("passed")} passed`];
  if (n("failed") > 0) parts.push(`${n("failed")} failed`);
  if (n("skipped") > 0) parts.push(`${n("skipped")} skipped`);
  return `${mark} ${feature}  (${parts.join(", ")})`;
}

/** The first few lines of an error message (Cucumber appends the stack). */
function firstLines(message: string, max = 4): string {
  const lines = message.split("\n").filter((l) => !/^\s+at /.test(l) && l.trim().length > 0);
  return lines.slice(0, max).join("\n");
}

function indent(text: string, pad: string): string {
  return text.split("\n").join(`\n${pad}`);
}
