/**
 * Runs the conformance suite in this process through Cucumber's programmatic API
 * (`@cucumber/cucumber/api`): the target is handed to the steps through the environment
 * variables they read (ANGZARR_BACKEND, ANGZARR_ENDPOINT, ANGZARR_CAPABILITIES, ...), the
 * reports are Cucumber's own `junit` and `json` formatters, the console output is
 * {@link ConformanceReport}.
 */
import { Writable } from "node:stream";
import path from "node:path";
import type { RunCommand } from "./args.js";
import { startGateway, type Gateway } from "./gateway.js";
import { requirePeer } from "./peers.js";
import { ConformanceReport } from "./report.js";
import { suiteFiles } from "./suite.js";

/** Environment variables the steps read for `cmd`'s target. */
export function targetEnv(cmd: RunCommand, endpoint?: string): Record<string, string> {
  const env: Record<string, string> = { ANGZARR_CONFORMANCE_RUNNER: "1", ANGZARR_BACKEND: cmd.target.kind };
  if (cmd.target.kind === "external") {
    env.ANGZARR_ENDPOINT = endpoint ?? cmd.target.endpoint;
    env.ANGZARR_CAPABILITIES = cmd.target.capabilities.join(",");
    if (cmd.target.token) env.ANGZARR_AUTH_TOKEN = cmd.target.token;
  }
  if (cmd.target.kind === "container") {
    env.ANGZARR_COORDINATOR_IMAGE = cmd.target.image;
    if (cmd.target.handlerImage) env.ANGZARR_HANDLER_IMAGE = cmd.target.handlerImage;
  }
  return env;
}

/** Runs the suite; resolves with the exit code (0 all passed or skipped, 1 any failure). */
export async function runSuite(cmd: RunCommand, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const api = await requirePeer<typeof import("@cucumber/cucumber/api")>("@cucumber/cucumber/api", "@cucumber/cucumber", "to run the scenarios");
  if (cmd.target.kind === "embedded") await requirePeer("better-sqlite3", "better-sqlite3", "for the embedded coordinator's event store");
  if (cmd.target.kind === "container") await requirePeer("testcontainers", "testcontainers", "for --image");

  const suite = suiteFiles();
  let gateway: Gateway | undefined;
  const saved = { ...process.env };
  try {
    if (cmd.target.kind === "external" && (cmd.target.tls || cmd.target.token)) {
      gateway = await startGateway({
        target: cmd.target.endpoint,
        ...(cmd.target.tls ? { tls: cmd.target.tls } : {}),
        ...(cmd.target.token ? { token: cmd.target.token } : {}),
      });
    }
    const env = targetEnv(cmd, gateway?.endpoint);
    Object.assign(process.env, env);
    out.write(describeTarget(cmd) + "\n");

    const formats = [...(cmd.junit ? [`junit:${cmd.junit}`] : []), ...(cmd.json ? [`json:${cmd.json}`] : [])];
    const environment = { cwd: process.cwd(), stdout: discard(), stderr: process.stderr, env: process.env };
    const { runConfiguration } = await api.loadConfiguration(
      {
        file: false,
        provided: {
          paths: [suite.features],
          import: [...suite.steps],
          format: formats,
          formatOptions: { snippetInterface: "async-await", junit: { suiteName: "angzarr-conformance" } },
          strict: true,
          parallel: cmd.parallel,
          ...(cmd.tags ? { tags: cmd.tags } : {}),
        },
      },
      environment,
    );
    const report = new ConformanceReport(out, path.dirname(suite.features.replace(/\*\*.*$/, "x")));
    const started = performance.now();
    const { success } = await api.runCucumber(runConfiguration, environment, (envelope) => report.onMessage(envelope));
    out.write(report.summary((performance.now() - started) / 1000));
    const { failed, passed } = report.counts();
    if (report.results.length === 0) {
      out.write("no scenario matched" + (cmd.tags ? ` --tags ${JSON.stringify(cmd.tags)}` : "") + "\n");
      return 1;
    }
    if (!success && failed === 0) out.write("FAIL the run did not succeed (a hook or the backend failed; see the error output above)\n");
    const ok = success && failed === 0;
    out.write(ok ? `PASS ${passed} passed\n` : `FAIL ${failed} scenario(s) failed\n`);
    if (cmd.junit) out.write(`JUnit report: ${cmd.junit}\n`);
    if (cmd.json) out.write(`JSON report: ${cmd.json}\n`);
    return ok ? 0 : 1;
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    await gateway?.close();
  }
}

function describeTarget(cmd: RunCommand): string {
  const t = cmd.target;
  switch (t.kind) {
    case "embedded":
      return "angzarr-conformance: embedded coordinator with the orders test handler";
    case "container":
      return `angzarr-conformance: coordinator image ${t.image}${t.handlerImage ? ` with handler image ${t.handlerImage}` : ""}`;
    case "external":
      return (
        `angzarr-conformance: coordinator at ${t.endpoint}${t.tls ? " (TLS)" : ""}${t.token ? " with a bearer token" : ""}; ` +
        `declared capabilities: ${t.capabilities.length > 0 ? t.capabilities.join(", ") : "none"} (faults always)`
      );
  }
}

function discard(): Writable {
  return new Writable({ write: (_chunk, _enc, done) => done() });
}
