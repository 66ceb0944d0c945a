/**
 * The project's test command (`npm test`): runs every stage, prints each stage's counts and
 * ends with one plain line `N passed, N failed`; exits non-zero on any failure.
 *
 * Stages: generated code is fresh, type-check, lint, API docs, unit/integration tests (node:test), the
 * interop suite with the official Python SDK from PyPI (not run without python3 or PyPI), the
 * conformance suite on the embedded backend under c8 (coverage floor), the same suite on the
 * container backend (when podman is usable or ANGZARR_TEST_CONTAINERS=1), the reliability
 * suite, and the packaging test. ANGZARR_TEST_STAGES=unit,conformance,... selects stages.
 *
 * PostgreSQL is found or started once, before the stages (test/support/postgres.ts:
 * ANGZARR_TEST_PG_URI, else 127.0.0.1:5432, else a private server), and handed to every stage
 * as ANGZARR_TEST_PG_URI.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { testPostgres } from "../test/support/postgres.js";

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}
interface Stage {
  name: string;
  run(): Counts;
  enabled?(): boolean | string;
}

const env = process.env;
mkdirSync("reports", { recursive: true });

const postgres = await testPostgres();
env.ANGZARR_TEST_PG_URI = postgres.uri;
console.log(
  `PostgreSQL for the tests: ${{ env: "ANGZARR_TEST_PG_URI", local: "127.0.0.1:5432", private: "a private server started for this run" }[postgres.origin]}`,
);

function sh(cmd: string, extraEnv: Record<string, string> = {}): number {
  console.log(`\n$ ${cmd}`);
  const r = spawnSync("bash", ["-c", cmd], { stdio: "inherit", env: { ...env, ...extraEnv } });
  return r.status ?? 1;
}

/** A stage whose command either succeeds (1 passed) or fails (1 failed). */
const check = (name: string, cmd: string): Stage => ({
  name,
  run: () => (sh(cmd) === 0 ? { passed: 1, failed: 0, skipped: 0 } : { passed: 0, failed: 1, skipped: 0 }),
});

function tapCounts(path: string, status: number): Counts {
  const tap = existsSync(path) ? readFileSync(path, "utf8") : "";
  const num = (k: string) => Number(new RegExp(`^# ${k} (\\d+)`, "m").exec(tap)?.[1] ?? 0);
  const counts = { passed: num("pass"), failed: num("fail") + num("cancelled"), skipped: num("skipped") + num("todo") };
  if (status !== 0 && counts.failed === 0) counts.failed = 1; // crashed before reporting
  return counts;
}

/** The part of cucumber's JSON report the counts need: each scenario's step results. */
type CucumberReport = Array<{ elements?: Array<{ type: string; steps?: Array<{ result?: { status: string } }> }> }>;

function cucumberCounts(path: string, status: number): Counts {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  // A run that crashed (e.g. a backend that never started) may leave an empty or partial report.
  let report: CucumberReport = [];
  try {
    if (existsSync(path)) report = JSON.parse(readFileSync(path, "utf8")) as CucumberReport;
  } catch {
    counts.failed++;
  }
  for (const feature of report) {
    for (const el of feature.elements ?? []) {
      if (el.type !== "scenario") continue;
      const results = (el.steps ?? []).map((s) => s.result?.status);
      if (results.some((r) => r === "failed" || r === "undefined" || r === "ambiguous" || r === "pending")) counts.failed++;
      else if (results.some((r) => r === "skipped")) counts.skipped++;
      else counts.passed++;
    }
  }
  if (status !== 0 && counts.failed === 0) counts.failed = 1;
  return counts;
}

function nodeTests(name: string, globs: string, tap: string, prefix = ""): Stage {
  return {
    name,
    run() {
      const status = sh(
        `${prefix}node --import tsx --test --test-concurrency=2 --test-reporter=spec --test-reporter-destination=stdout ` +
          `--test-reporter=tap --test-reporter-destination=${tap} ${globs}`,
      );
      return tapCounts(tap, status);
    },
  };
}

/**
 * The interop stage's virtualenv with the Python SDK from PyPI (test/interop/venv.ts, created
 * once and reused): true once it is ready (printing the installed versions), else the reason.
 */
function pythonSdkReady(): true | string {
  const r = spawnSync(process.execPath, ["--import", "tsx", "test/interop/venv.ts"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    timeout: 20 * 60_000,
  });
  const line = (r.stdout ?? "").trim().split("\n").at(-1) ?? "";
  let ready: { ok: boolean; reason?: string; dir?: string; versions?: Record<string, string> };
  try {
    ready = JSON.parse(line) as typeof ready;
  } catch {
    return `virtualenv set-up failed: ${r.error?.message ?? (line || `exit status ${r.status}`)}`;
  }
  if (!ready.ok) return ready.reason!;
  const v = ready.versions!;
  console.log(`\ninterop: angzarr-client ${v["angzarr-client"]} (python ${v.python}, grpcio ${v.grpcio}, protobuf ${v.protobuf}) in ${ready.dir}`);
  return true;
}

const podmanUsable = () => (spawnSync("bash", ["-c", "command -v podman"]).status === 0 ? true : "podman is not installed");

// c8's options (sources, directories, the 85 % line floor) are in .c8rc.json. The test runs only
// collect coverage: no report and no floor check until every run has added its share.
const C8 = "npx c8 --reporter=none --check-coverage=false";

const stages: Stage[] = [
  check("generated code is fresh", "npm run --silent generate && git diff --exit-code --stat -- src/gen examples/gen"),
  check("type-check", "npx tsc -p tsconfig.json --noEmit"),
  check("lint (eslint, prettier --check)", "npm run --silent lint"),
  check("API docs (typedoc, warnings are errors)", "npx typedoc --logLevel Warn"),
  nodeTests(
    "unit and integration",
    "$(find test -name '*.test.ts' -not -path 'test/reliability/*' -not -path 'test/interop/*' -not -path test/testing/container.test.ts | sort)",
    "reports/unit.tap",
    `rm -rf coverage && ${C8} `,
  ),
  { ...nodeTests("interop", "test/interop/interop.test.ts", "reports/interop.tap"), enabled: pythonSdkReady },
  {
    name: "conformance (embedded)",
    run() {
      const status = sh(`${C8} npm run --silent conformance`);
      return cucumberCounts("reports/cucumber-default.json", status);
    },
  },
  check("coverage of src/ (lines >= 85%)", "npx c8 report"),
  {
    name: "container backend (podman)",
    enabled: () => (env.ANGZARR_TEST_CONTAINERS === "0" ? "ANGZARR_TEST_CONTAINERS=0" : podmanUsable()),
    run() {
      const up = 'eval "$(bash scripts/podman-up.sh)" && bash containers/build-images.sh';
      const unit = sh(
        `${up} && TEST_CONTAINERS=1 node --import tsx --test --test-reporter=spec --test-reporter-destination=stdout ` +
          "--test-reporter=tap --test-reporter-destination=reports/container.tap test/testing/container.test.ts",
      );
      const units = tapCounts("reports/container.tap", unit);
      const status = sh(`${up} && npm run --silent conformance:container`);
      const scenarios = cucumberCounts("reports/cucumber-container.json", status);
      sh("bash scripts/podman-down.sh");
      return {
        passed: units.passed + scenarios.passed,
        failed: units.failed + scenarios.failed,
        skipped: units.skipped + scenarios.skipped,
      };
    },
  },
  {
    name: "reliability",
    enabled: () => existsSync("test/reliability") || "no reliability suite",
    run: () => tapCounts("reports/reliability.tap", sh("npm run --silent test:reliability")),
  },
  check("packaging (npm pack into an empty project)", "bash scripts/pack-test.sh"),
];

const only = env.ANGZARR_TEST_STAGES?.split(",").map((s) => s.trim());
const total: Counts = { passed: 0, failed: 0, skipped: 0 };
const lines: string[] = [];
for (const stage of stages) {
  if (only && !only.some((o) => stage.name.startsWith(o))) continue;
  const enabled = stage.enabled?.() ?? true;
  if (enabled !== true) {
    lines.push(`${stage.name}: not run (${enabled})`);
    continue;
  }
  let c: Counts;
  try {
    c = stage.run();
  } catch (err) {
    // A stage that crashes is one failure; the others still run and the summary still prints.
    console.error(`${stage.name}: crashed: ${(err as Error).stack ?? String(err)}`);
    c = { passed: 0, failed: 1, skipped: 0 };
  }
  total.passed += c.passed;
  total.failed += c.failed;
  total.skipped += c.skipped;
  lines.push(`${stage.name}: ${c.passed} passed, ${c.failed} failed${c.skipped ? `, ${c.skipped} skipped` : ""}`);
}
console.log("\n== summary ==");
for (const l of lines) console.log(l);
console.log(`${total.passed} passed, ${total.failed} failed`);
await postgres.stop();
process.exit(total.failed === 0 && total.passed > 0 ? 0 : 1);
