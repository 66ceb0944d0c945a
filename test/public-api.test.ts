/**
 * The public surface of the package: every name the three entry points of package.json
 * "exports" offer, values and types, compared with test/fixtures/public-api.txt so that any
 * change to it shows up as a diff of that file. After an intended change, regenerate it:
 * `UPDATE_PUBLIC_API=1 node --import tsx --test test/public-api.test.ts`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { describe, it } from "node:test";
import { expect } from "chai";
import { formatPublicApi, publicExports } from "./support/public-api.js";

const FIXTURE = "test/fixtures/public-api.txt";

describe("public API", () => {
  it("is exactly the surface recorded in test/fixtures/public-api.txt", () => {
    const actual = formatPublicApi(publicExports());
    if (process.env.UPDATE_PUBLIC_API === "1") writeFileSync(FIXTURE, actual);
    const expected = readFileSync(FIXTURE, "utf8");
    if (actual === expected) return;
    const now = linesBySection(actual);
    const recorded = linesBySection(expected);
    const added = [...now].filter((line) => !recorded.has(line)).map((line) => `+ ${line}`);
    const removed = [...recorded].filter((line) => !now.has(line)).map((line) => `- ${line}`);
    expect.fail(
      `The exported names differ from ${FIXTURE}:\n${[...removed, ...added].join("\n")}\n` +
        `If the change is intended, run UPDATE_PUBLIC_API=1 node --import tsx --test test/public-api.test.ts and commit ${FIXTURE}.`,
    );
  });
});

/** The lines of the fixture text, each name prefixed with its entry point (`angzarr-client/testing  uuidFor: function`). */
function linesBySection(text: string): Set<string> {
  let section = "";
  const lines = new Set<string>();
  for (const line of text.split("\n").filter(Boolean)) {
    if (line.startsWith("## ")) {
      section = line.slice(3, line.indexOf(":"));
      lines.add(line);
    } else {
      lines.add(`${section}  ${line}`);
    }
  }
  return lines;
}
