/**
 * The shared Angzarr client contracts (aggregate_client, query_client, error_handling) are
 * written with the phrasings in test/fixtures/step-vocabulary.txt. This test writes one step
 * per phrasing into a feature file and asks cucumber (dry run) to match them: every phrasing
 * must find exactly one step definition, so other SDKs' contract files run against our steps.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { expect } from "chai";

/** Section 1 patterns: "<Keyword> <expression>\t<files>". */
function sectionOnePatterns(): Array<{ keyword: string; expression: string }> {
  const text = readFileSync("test/fixtures/step-vocabulary.txt", "utf8");
  const section = text.split("## SECTION 1")[1]!.split("## SECTION 2")[0]!;
  return section
    .split("\n")
    .slice(1)
    .filter((line) => /^(Given|When|Then) /.test(line))
    .map((line) => {
      const [step] = line.split("\t");
      const space = step!.indexOf(" ");
      return { keyword: step!.slice(0, space), expression: step!.slice(space + 1) };
    });
}

/** A concrete step text for a Cucumber expression. */
function instantiate(expression: string): string {
  const word = expression.startsWith("a {word} connected") ? "QueryClient" : "UNAVAILABLE";
  return expression
    .replace(/\{string\}/g, '"orders"')
    .replace(/\{int\}/g, "3")
    .replace(/\{word\}/g, word)
    .replace(/\{\}/g, "anything")
    .replace(/\\([(){}/])/g, "$1");
}

describe("shared step vocabulary", () => {
  const patterns = sectionOnePatterns();

  it("has the 154 section-1 phrasings", () => {
    expect(patterns).to.have.length(154);
  });

  it("every phrasing matches exactly one step definition", () => {
    // Inside the checkout: cucumber resolves --config relative to the working directory.
    mkdirSync(".tmp", { recursive: true });
    const dir = mkdtempSync(join(".tmp", "vocabulary-"));
    try {
      const feature = join(dir, "vocabulary.feature");
      const scenarios = patterns.map((p, i) => `  Scenario: phrasing ${i + 1}\n    ${p.keyword} ${instantiate(p.expression)}\n`);
      writeFileSync(feature, `Feature: shared step vocabulary\n\n${scenarios.join("\n")}`);
      const report = join(dir, "report.json");
      // An empty configuration, so the project's profile does not add features/ to the run.
      const config = join(dir, "cucumber.mjs");
      writeFileSync(config, "export default {};\n");
      const run = spawnSync(
        "npx",
        ["cucumber-js", "--config", config, "--dry-run", feature, "--import", "steps/**/*.ts", "--format", `json:${report}`],
        { env: { ...process.env, NODE_OPTIONS: "--import tsx" }, encoding: "utf8" },
      );
      type Step = { name?: string; hidden?: boolean; result: { status: string } };
      const features = JSON.parse(readFileSync(report, "utf8")) as Array<{ elements: Array<{ steps: Step[] }> }>;
      expect(features, run.stderr).to.have.length(1);
      const results = features[0]!.elements.flatMap((e) =>
        e.steps.filter((s) => !s.hidden).map((s) => ({ step: s.name, status: s.result.status })),
      );
      expect(results).to.have.length(154);
      const unmatched = results.filter((r) => r.status !== "skipped");
      expect(unmatched, run.stderr).to.deep.equal([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
