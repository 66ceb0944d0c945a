import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { Status } from "../../src/errors.js";
import { call, callError, clients } from "../server/support.js";
import { ownGroup } from "../support/process-group.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

describe("examples/orders/server.ts as a program", () => {
  it("prints one listening line, serves, and stops gracefully on SIGTERM", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "examples/orders/server.ts"], {
      cwd: root,
      env: { ...process.env, PORT: "0", HOST: "127.0.0.1" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    ownGroup(child);
    const stdout: string[] = [];
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => stdout.push(line));
    child.stderr.resume();
    const [first] = (await once(lines, "line")) as [string];
    const match = /^orders handler listening on (127\.0\.0\.1:(\d+))$/.exec(first);
    expect(match, first).to.not.equal(null);
    const c = clients(match![1]!);
    try {
      expect((await call(c.health, c.health.check, { service: "angzarr.CommandHandlerService" })).status).to.equal(1);
      child.kill("SIGTERM");
      const [code] = (await once(child, "exit")) as [number | null];
      expect(code).to.equal(0);
      expect(stdout).to.deep.equal([first]);
      expect((await callError(c.health, c.health.check, { service: "" })).code).to.equal(Status.UNAVAILABLE);
    } finally {
      c.close();
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
