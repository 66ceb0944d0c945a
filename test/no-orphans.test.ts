/**
 * Nothing a test starts outlives it: a parent process starts a coordinator (as the reliability
 * suites do) and a private PostgreSQL server, and is then killed with SIGKILL, so none of its
 * exit handlers run. Its children notice the closed pipe and are gone within 2 s.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "chai";
import { answers } from "./support/postgres.js";
import { accepts } from "./support/ports.js";
import { killGroup } from "./support/process-group.js";

const GONE_WITHIN_MS = 2_000;

/** True while `pid` runs; a zombie (exited, not yet reaped by init) counts as gone. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Milliseconds until `pid` is gone, or Infinity when it is still there after `limitMs`. */
async function goneAfter(pid: number, since: number, limitMs: number): Promise<number> {
  while (alive(pid)) {
    if (performance.now() - since > limitMs) return Infinity;
    await sleep(20);
  }
  return performance.now() - since;
}

describe("no orphans", () => {
  it("a coordinator and a private PostgreSQL server die with their SIGKILLed parent", { timeout: 180_000 }, async () => {
    const parent = spawn(process.execPath, ["--import", "tsx", "test/support/parent-of-children.ts"], {
      stdio: ["ignore", "pipe", "inherit"],
      detached: true,
    });
    try {
      const [line] = (await once(createInterface({ input: parent.stdout }), "line")) as [string];
      const started = JSON.parse(line) as { coordinator: number; coordinatorAddress: string; postgres: number; postgresUri: string };
      expect(alive(started.coordinator), "coordinator running before the kill").to.equal(true);
      expect(await answers(started.postgresUri), "private PostgreSQL answering before the kill").to.equal(true);

      const killedAt = performance.now();
      parent.kill("SIGKILL");
      const [coordinatorMs, postgresMs] = await Promise.all([
        goneAfter(started.coordinator, killedAt, GONE_WITHIN_MS),
        goneAfter(started.postgres, killedAt, GONE_WITHIN_MS),
      ]);
      console.log(`coordinator gone after ${coordinatorMs.toFixed(0)} ms, PostgreSQL holder after ${postgresMs.toFixed(0)} ms`);
      expect(coordinatorMs, "coordinator still running").to.be.below(GONE_WITHIN_MS);
      expect(postgresMs, "PostgreSQL holder still running").to.be.below(GONE_WITHIN_MS);
      expect(await answers(started.postgresUri), "private PostgreSQL still answering").to.equal(false);
      expect(await accepts(started.coordinatorAddress), "something still listens on the coordinator's port").to.equal(false);
    } finally {
      killGroup(parent);
    }
  });
});
