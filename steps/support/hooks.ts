/**
 * Lifecycle: one backend per worker (BeforeAll/AfterAll), capability gating by tag
 * (Before), resource cleanup per scenario (After), and a summary of skipped scenarios.
 */
import { After, AfterAll, Before, BeforeAll, setDefaultTimeout, Status } from "@cucumber/cucumber";
import { skipReason } from "../../src/testing/index.js";
import { backendKind, currentBackend, startWorkerBackend, stopWorkerBackend } from "./backend.js";
import { stopAuthCoordinator } from "./auth.js";
import { describeError, type AngzarrWorld } from "./world.js";

setDefaultTimeout(30_000);

const skipped: Array<{ scenario: string; where: string; reason: string }> = [];

BeforeAll({ timeout: 180_000 }, async function () {
  await startWorkerBackend();
});

AfterAll({ timeout: 60_000 }, async function () {
  // angzarr-conformance lists the skips itself (from the logs below).
  if (skipped.length > 0 && !process.env.ANGZARR_CONFORMANCE_RUNNER) {
    const lines = skipped.map((s) => `  - ${s.scenario} (${s.where}): ${s.reason}`);
    process.stdout.write(`\nSkipped on the ${backendKind()} backend (${skipped.length}); not counted as passed:\n${lines.join("\n")}\n`);
  }
  await stopAuthCoordinator();
  await stopWorkerBackend();
});

Before(function (this: AngzarrWorld, { pickle, gherkinDocument }) {
  this.scenarioName = pickle.name;
  this.scenarioUri = pickle.uri;
  const reason = skipReason(
    currentBackend(),
    pickle.tags.map((t) => t.name),
  );
  if (reason === undefined) return undefined;
  skipped.push({ scenario: pickle.name, where: gherkinDocument.uri ?? pickle.uri, reason });
  this.log(reason);
  return "skipped";
});

/** Called by steps that find at run time that the backend cannot provide what they need. */
export function recordSkip(world: AngzarrWorld, reason: string): "skipped" {
  skipped.push({ scenario: world.scenarioName ?? "(scenario)", where: world.scenarioUri ?? "", reason });
  world.log(reason.startsWith("skipped") ? reason : `skipped: ${reason}`);
  return "skipped";
}

After({ timeout: 20_000 }, async function (this: AngzarrWorld, { result }) {
  await this.closeAll();
  if (result?.status === Status.FAILED && this.lastError !== undefined) {
    this.log?.(`last error: ${(this.lastError as Error)?.stack ?? describeError(this.lastError)}`);
  }
});
