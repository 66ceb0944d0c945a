/**
 * `angzarr-conformance` end to end, as a user runs it: the bin (from the sources, through tsx)
 * against a coordinator CLI started separately with `angzarr-conformance handler` behind it.
 * A well-behaved coordinator makes it exit 0; one with token auth on that the runner has no
 * token for makes it exit non-zero with a readable failure line; bad input exits 2.
 * Children run in their own process group with ANGZARR_EXIT_WITH_PARENT=1 and a stdin pipe,
 * so none outlives the test. Runs are kept small with --tags.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { makePki, type Pki } from "./support/pki.js";
import { killGroup, ownGroup } from "./support/process-group.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN = path.join(ROOT, "src/conformance/cli.ts");
const COORDINATOR = path.join(ROOT, "src/coordinator/cli.ts");
/** Hang guard only: start-up compiles the sources through tsx on a slow machine. */
const READY_WITHIN_MS = 90_000;
const RUN_WITHIN_MS = 240_000;
/** A few scenarios of each kind: plain commands and queries, a saga, a fault. */
const TAGS = "@needs-sagas or @needs-faults";

interface Child {
  readonly process: ChildProcess;
  output(): string;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
}

function start(args: string[], env: Record<string, string> = {}): Child {
  const child = spawn(process.execPath, ["--import", "tsx", "--disable-warning=DEP0123", ...args], {
    cwd: ROOT,
    env: { ...process.env, ANGZARR_LOG: "warn", ...env, ANGZARR_EXIT_WITH_PARENT: "1" },
    stdio: ["pipe", "pipe", "pipe"],
    detached: true,
  });
  ownGroup(child);
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { process: child, output: () => output, exited };
}

/** Waits for `pattern` in the child's output; fails with the output when it exits first. */
async function ready(child: Child, pattern: RegExp): Promise<RegExpExecArray> {
  const deadline = Date.now() + READY_WITHIN_MS;
  let gone = false;
  void child.exited.then(() => (gone = true));
  for (;;) {
    const match = pattern.exec(child.output());
    if (match) return match;
    if (gone || Date.now() > deadline) throw new Error(`not ready (${pattern}); output:\n${child.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs the bin to completion. */
async function runBin(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = start([BIN, ...args]);
  const timer = setTimeout(() => killGroup(child.process), RUN_WITHIN_MS);
  const code = await child.exited;
  clearTimeout(timer);
  return { code, output: child.output() };
}

/** Coordinator CLI routing the test domains, saga, projector and process manager to `handler`. */
function coordinatorEnv(handler: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ANGZARR__STORAGE__TYPE: "memory",
    ANGZARR__TRANSPORT__TCP__HOST: "127.0.0.1",
    ANGZARR__TRANSPORT__TCP__PORT: "0",
    ANGZARR_ROUTES: `orders=${handler},inventory=${handler}`,
    ANGZARR_SAGAS: `orders-inventory@${handler}:orders`,
    ANGZARR_PROJECTORS: `order-summary@${handler}:orders`,
    ANGZARR_PROCESS_MANAGERS: `fulfillment@${handler}:fulfillment:orders+inventory`,
    ...extra,
  };
}

describe("angzarr-conformance against a coordinator CLI with `angzarr-conformance handler` behind it", () => {
  const children: Child[] = [];
  let handler = "";
  let coordinator = "";
  let securedCoordinator = "";
  let tlsCoordinator = "";
  let pki: Pki;
  const reports = mkdtempSync(path.join(os.tmpdir(), "conformance-cli-"));

  before(async () => {
    const h = start([BIN, "handler", "--port", "0"]);
    children.push(h);
    handler = (await ready(h, /handler listening on (\S+)/))[1]!;
    const c = start([COORDINATOR], coordinatorEnv(handler));
    const s = start([COORDINATOR], coordinatorEnv(handler, { ANGZARR_AUTH_TOKENS: "conformance-secret" }));
    children.push(c, s);
    coordinator = (await ready(c, /listening on (\S+)/))[1]!;
    securedCoordinator = (await ready(s, /listening on (\S+)/))[1]!;
    // A coordinator serving TLS with a certificate from a CA made for this run.
    pki = makePki();
    const t = start(
      [COORDINATOR],
      coordinatorEnv(handler, { ANGZARR_TLS_CERT_FILE: pki.files.serverCert, ANGZARR_TLS_KEY_FILE: pki.files.serverKey }),
    );
    children.push(t);
    tlsCoordinator = (await ready(t, /listening on (\S+)/))[1]!;
  });

  after(async () => {
    for (const child of children) killGroup(child.process);
    await Promise.all(children.map((c) => c.exited));
    rmSync(reports, { recursive: true, force: true });
    pki?.remove();
  });

  it("passes with the declared capabilities and writes a JUnit report", async () => {
    const junit = path.join(reports, "out.xml");
    const { code, output } = await runBin([
      "--endpoint",
      coordinator,
      "--capabilities",
      "projectors,sagas,multi-domain",
      "--tags",
      TAGS,
      "--junit",
      junit,
    ]);
    expect(code, output).to.equal(0);
    expect(output).to.match(/^ok {3}features\/sagas\.feature {2}\(\d+ passed\)$/m);
    expect(output).to.match(/PASS \d+ passed/);
    const xml = readFileSync(junit, "utf8");
    expect(xml).to.match(/<testsuite [^>]*failures="0"/);
  });

  it("skips what the target does not declare and names the reason", async () => {
    const { code, output } = await runBin(["--endpoint", coordinator, "--tags", "@needs-sagas"]);
    expect(code, output).to.equal(0);
    expect(output).to.include("SKIP features/sagas.feature > ");
    expect(output).to.include("needs sagas (what an external coordinator has registered is unknown)");
  });

  it("fails readably against a coordinator that wants a token the runner lacks", async () => {
    const { code, output } = await runBin(["--endpoint", securedCoordinator, "--tags", TAGS]);
    expect(code, output).to.equal(1);
    expect(output).to.match(/^FAIL features\/\S+\.feature {2}\(/m);
    expect(output).to.match(/^ {2}FAIL features\/\S+ > .+\n {7}step ".+": GrpcError: UNAUTHENTICATED: missing bearer token/m);
    expect(output).to.match(/FAIL \d+ scenario\(s\) failed/);
  });

  it("reaches a TLS coordinator with --tls --tls-ca, and fails readably without the CA", async () => {
    const trusted = await runBin(["--endpoint", tlsCoordinator, "--tls", "--tls-ca", pki.files.ca, "--capabilities", "sagas", "--tags", TAGS]);
    expect(trusted.code, trusted.output).to.equal(0);
    expect(trusted.output).to.match(/PASS \d+ passed/);
    const untrusted = await runBin(["--endpoint", tlsCoordinator, "--tls", "--capabilities", "sagas", "--tags", TAGS]);
    expect(untrusted.code, untrusted.output).to.equal(1);
    expect(untrusted.output, untrusted.output).to.match(/certificate/i);
  });

  it("passes against the same coordinator with --token (auth declared)", async () => {
    const { code, output } = await runBin([
      "--endpoint",
      securedCoordinator,
      "--token",
      "conformance-secret",
      "--capabilities",
      "auth,sagas",
      "--tags",
      `${TAGS} or @needs-auth`,
    ]);
    expect(code, output).to.equal(0);
    expect(output).to.match(/^ok {3}features\/error_handling\.feature/m);
  });
});

describe("angzarr-conformance input errors", () => {
  const cases: Array<[string[], RegExp]> = [
    [["--bogus"], /Unknown option '--bogus'/],
    [[], /choose a target: --embedded, --endpoint HOST:PORT or --image NAME/],
    [["--endpoint", "localhost"], /--endpoint needs host:port \(e\.g\. 127\.0\.0\.1:1310\), got "localhost"/],
    [["--endpoint", "h:1", "--capabilities", "auth"], /capability auth needs the bearer token.*--token/],
    [["--endpoint", "h:1", "--capabilities", "seeding-snapshots"], /event store is out of reach/],
    [["--embedded", "--token", "x"], /--token applies to --endpoint only/],
  ];
  for (const [args, message] of cases) {
    it(`exits 2 for ${JSON.stringify(args)}`, async () => {
      const { code, output } = await runBin(args);
      expect(code, output).to.equal(2);
      expect(output).to.match(message);
      expect(output).to.include("angzarr-conformance --help");
    });
  }

  it("--help shows examples", async () => {
    const { code, output } = await runBin(["--help"]);
    expect(code).to.equal(0);
    expect(output).to.include("Examples:");
    expect(output).to.include("npx angzarr-conformance --embedded --junit");
  });
});
