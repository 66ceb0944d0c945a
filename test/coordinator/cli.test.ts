/** The `angzarr-coordinator` command, spawned as a real process. */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { credentials, Metadata } from "@grpc/grpc-js";
import { CommandHandlerCoordinatorServiceClient, type CommandResponse } from "../../src/gen/angzarr/command_handler.js";
import { EventQueryServiceClient } from "../../src/gen/angzarr/query.js";
import type { EventBook } from "../../src/gen/angzarr/types.js";
import { SETTINGS } from "../../src/coordinator/config/settings.js";
import { ownGroup } from "../support/process-group.js";
import { command, newRoot, query, seqOf, startBusiness, type Business } from "./helpers.js";

interface Run {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  exit: Promise<number | null>;
}

/**
 * Runs the CLI through tsx (what `npx tsx src/coordinator/cli.ts` resolves to). npx itself is
 * left out: npm 11's npx does not forward SIGTERM to its child (it dies of the signal and
 * orphans the coordinator), which would hide the coordinator's own exit code.
 */
function run(env: Record<string, string>, args: string[] = []): Run {
  const child = spawn(join("node_modules", ".bin", "tsx"), ["src/coordinator/cli.ts", ...args], {
    cwd: process.cwd(),
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  ownGroup(child);
  const stdout: string[] = [];
  const stderr: string[] = [];
  child.stdout.on("data", (d: Buffer) => stdout.push(d.toString()));
  child.stderr.on("data", (d: Buffer) => stderr.push(d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, stdout, stderr, exit };
}

async function listening(r: Run): Promise<string> {
  const until = Date.now() + 30_000;
  for (;;) {
    const m = /listening on (\S+)/.exec(r.stdout.join(""));
    if (m) return m[1]!;
    if (Date.now() > until || r.child.exitCode !== null) throw new Error(`no start-up line: ${r.stdout.join("")} ${r.stderr.join("")}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

describe("angzarr-coordinator CLI", () => {
  let business: Business;
  let dir: string;
  before(async () => {
    business = await startBusiness();
    dir = mkdtempSync(join(tmpdir(), "angzarr-cli-"));
  });
  after(async () => {
    await business.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("prints --help with every flag and environment variable", async () => {
    const r = run({}, ["--help"]);
    expect(await r.exit).to.equal(0);
    const help = r.stdout.join("");
    for (const s of SETTINGS) {
      expect(help).to.contain(s.env);
      if (s.flag) expect(help).to.contain(s.flag);
    }
    expect(help).to.contain("--help");
    expect(help).to.contain("[default: 50051]");
  });

  it("serves commands and queries, stops on SIGTERM with exit code 0, and keeps its SQLite data", async () => {
    const env = {
      ANGZARR__TRANSPORT__TCP__PORT: "0",
      ANGZARR__STORAGE__TYPE: "sqlite",
      ANGZARR__STORAGE__SQLITE__PATH: join(dir, "cli.db"),
      ANGZARR__TARGET__DOMAIN: "orders",
      ANGZARR__TARGET__ADDRESS: business.address,
    };
    const root = newRoot();
    const first = run(env);
    const address = await listening(first);
    const line = first.stdout.join("").trim();
    expect(line).to.equal(
      `angzarr-coordinator listening on ${address} (storage: sqlite, routes: orders=${business.address} (sidecar: every domain))`,
    );
    const commands = new CommandHandlerCoordinatorServiceClient(address, credentials.createInsecure());
    const res = await new Promise<CommandResponse>((resolve, reject) =>
      commands.handleCommand(command("orders", root, "AddMany", { payload: "2" }), new Metadata(), { deadline: Date.now() + 10_000 }, (e, r) =>
        e ? reject(e) : resolve(r),
      ),
    );
    commands.close();
    expect(res.events!.pages).to.have.length(2);
    first.child.kill("SIGTERM");
    expect(await first.exit).to.equal(0);

    const second = run(env, ["--log-level", "error"]);
    const again = await listening(second);
    const queries = new EventQueryServiceClient(again, credentials.createInsecure());
    const book = await new Promise<EventBook>((resolve, reject) =>
      queries.getEventBook(query("orders", root), new Metadata(), { deadline: Date.now() + 10_000 }, (e, r) => (e ? reject(e) : resolve(r))),
    );
    queries.close();
    expect(book.pages.map(seqOf)).to.deep.equal([0, 1]);
    second.child.kill("SIGINT");
    expect(await second.exit).to.equal(0);
  });

  it("exits non-zero with a one-line message on bad configuration", async () => {
    const r = run({ ANGZARR__STORAGE__TYPE: "mongodb" });
    expect(await r.exit).to.not.equal(0);
    expect(r.stderr.join("")).to.equal(
      'angzarr-coordinator: invalid configuration: ANGZARR__STORAGE__TYPE: unknown storage type "mongodb" (expected sqlite, postgres or memory)\n',
    );
    expect(r.stdout.join("")).to.equal("");
  });
});
