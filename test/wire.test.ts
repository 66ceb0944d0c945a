import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { expect } from "chai";
import { buildImage, compareWire, type Facts } from "../scripts/wire-check.js";

const facts = JSON.parse(readFileSync("test/fixtures/angzarr-wire.json", "utf8")) as Facts;

describe("wire compatibility with Angzarr 0.5.1", () => {
  const image = buildImage("proto");

  it("matches all 326 wire facts", () => {
    const result = compareWire(facts, image);
    expect(result.problems).to.deep.equal([]);
    expect(`wire: ${result.matched}/${result.total} facts match`).to.equal("wire: 326/326 facts match");
  });

  it("detects a renumbered field", () => {
    const broken = structuredClone(image);
    const types = broken.file!.find((f) => f.name === "angzarr/types.proto")!;
    const cover = types.messageType!.find((m) => m.name === "Cover")!;
    cover.field!.find((f) => f.name === "domain")!.number = 9;
    const result = compareWire(facts, broken);
    expect(result.matched).to.equal(325);
    expect(result.problems[0]).to.contain("angzarr.Cover.domain");
  });

  it("keeps retired field numbers reserved", () => {
    const reserved = (name: string) =>
      image
        .file!.flatMap((f) => f.messageType ?? [])
        .find((m) => m.name === name)!
        .reservedRange!.map((r) => [r.start, r.end - 1]);
    expect(reserved("Cover")).to.deep.equal([[5, 5]]);
    expect(reserved("EventBook")).to.deep.equal([[4, 5]]);
    expect(reserved("CommandBook")).to.deep.equal([[3, 5]]);
    expect(reserved("RejectionNotification")).to.deep.equal([[3, 6]]);
    expect(reserved("AngzarrDeadLetter")).to.deep.equal([[4, 6]]);
  });

  const shared = "../shared/tools/wire-compare.py";
  it("agrees with the shared wire-compare.py cross-check", { skip: !existsSync(shared) && "../shared not present" }, () => {
    const dir = mkdtempSync(join(tmpdir(), "wire-"));
    try {
      const path = join(dir, "image.json");
      writeFileSync(path, JSON.stringify(image));
      const out = execFileSync("python3", [shared, "test/fixtures/angzarr-wire.json", path], { encoding: "utf8" });
      expect(out.trim().split("\n").at(-1)).to.equal("wire: 326/326 facts match");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
