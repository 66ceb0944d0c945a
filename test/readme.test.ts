import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { expect } from "chai";
import { SETTINGS } from "../src/coordinator/config/settings.js";
import { embed } from "../scripts/embed-readme.js";

describe("README", () => {
  it("shows exactly the code the tests run", () => {
    const readme = readFileSync("README.md", "utf8");
    expect(embed(readme) === readme, "README.md is stale: run npx tsx scripts/embed-readme.ts").to.equal(true);
  });

  it("links docs/coordinator.md, which documents every coordinator setting (flag and environment variable)", () => {
    expect(readFileSync("README.md", "utf8")).to.include("(docs/coordinator.md)");
    const page = readFileSync("docs/coordinator.md", "utf8");
    const missing = SETTINGS.flatMap((s) => [s.env, s.flag]).filter((name) => name && !page.includes(`\`${name}\``));
    expect(missing).to.deep.equal([]);
  });

  it("quickstart runs against the embedded coordinator: command, query and a typed error", () => {
    const out = execFileSync(process.execPath, ["--import", "tsx", "examples/quickstart/quickstart.ts"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 60_000,
    });
    expect(out.trim().split("\n")).to.deep.equal([
      "deposit stored at sequence 1",
      "alice has 2 events, next sequence 2",
      "from sequence 1: 1 event",
      "rejected: Sequence mismatch: command expects 0, aggregate at 2; retry at 2",
    ]);
  });
});
