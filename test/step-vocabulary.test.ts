/**
 * The shared Angzarr client contracts are written with the phrasings in
 * test/fixtures/step-vocabulary.txt: section 1 for aggregate_client, query_client and
 * error_handling, section 2 for the other eleven files. This test writes one step per phrasing
 * into a feature file and asks cucumber (dry run) to match them. Every phrasing must find
 * exactly one step definition, so other SDKs' contract files run against our steps, except the
 * section-2 phrasings of {@link WITHOUT_STEP}, which must find none.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { expect } from "chai";

type Pattern = { keyword: string; expression: string };

/**
 * Section-2 phrasings that assert what nothing on the 0.5.1 wire carries: the issuer type and
 * name of a rejection and the name of the saga that issued the rejected command (README
 * difference row 17). They have no step, so a shared file using them fails on exactly these.
 */
const WITHOUT_STEP = [
  "Then the context should have issuer_type {string}",
  "Then the issuer_name should be {string}",
  "Then the issuer_type should be {string}",
  "Then the notification should have issuer_type {string}",
  "Then the saga_origin saga_name should be {string}",
];

/** The patterns of one section: "<Keyword> <expression>\t<files>" lines. */
function sectionPatterns(section: 1 | 2): Pattern[] {
  const text = readFileSync("test/fixtures/step-vocabulary.txt", "utf8");
  const body = section === 1 ? text.split("## SECTION 1")[1]!.split("## SECTION 2")[0]! : text.split("## SECTION 2")[1]!;
  return body
    .split("\n")
    .slice(1)
    .filter((line) => /^(Given|When|Then) /.test(line))
    .map((line) => {
      const [step] = line.split("\t");
      const space = step!.indexOf(" ");
      return { keyword: step!.slice(0, space), expression: step!.slice(space + 1) };
    });
}

/** Matches one step per pattern in a cucumber dry run; the status of each, in order. */
function dryRun(patterns: Pattern[]): Array<{ step: string | undefined; status: string }> {
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
    return features[0]!.elements.flatMap((e) => e.steps.filter((s) => !s.hidden).map((s) => ({ step: s.name, status: s.result.status })));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
  const sectionOne = sectionPatterns(1);
  const sectionTwo = sectionPatterns(2);

  it("has the 154 section-1 and 571 section-2 phrasings", () => {
    expect(sectionOne).to.have.length(154);
    expect(sectionTwo).to.have.length(571);
  });

  it("every section-1 phrasing matches exactly one step definition", () => {
    const results = dryRun(sectionOne);
    expect(results).to.have.length(154);
    expect(results.filter((r) => r.status !== "skipped")).to.deep.equal([]);
  });

  it("every section-2 phrasing matches exactly one step definition, except those carried by nothing on the wire", () => {
    const results = dryRun(sectionTwo);
    expect(results).to.have.length(571);
    const defined = results.filter((r) => r.status === "skipped").length;
    console.log(`section 2: ${defined} of ${results.length}`);
    const phrasing = (i: number) => `${sectionTwo[i]!.keyword} ${sectionTwo[i]!.expression}`;
    const withoutStep = results.flatMap((r, i) => (r.status === "undefined" ? [phrasing(i)] : []));
    expect(withoutStep.sort()).to.deep.equal([...WITHOUT_STEP].sort());
    expect(results.filter((r) => r.status !== "skipped" && r.status !== "undefined")).to.deep.equal([]);
  });
});
