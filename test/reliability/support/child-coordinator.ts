/**
 * The coordinator as a child process, started exactly as a user starts it
 * (`node --import tsx src/coordinator/cli.ts`, configured through the environment), so it can
 * be killed with SIGKILL and started again on the same store and port.
 *
 * It never outlives this process: it runs in its own process group with
 * `ANGZARR_EXIT_WITH_PARENT=1` and its standard input a pipe from here, so it stops when this
 * process ends in any way (even SIGKILL); on a normal exit the group is also killed outright.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { killGroup, ownGroup } from "../../support/process-group.js";

const CLI = fileURLToPath(new URL("../../../src/coordinator/cli.ts", import.meta.url));
const READY = /^angzarr-coordinator listening on (\S+)/m;
/** Start-up may compile the sources through tsx first. */
const START_DEADLINE_MS = 30_000;

/** A running coordinator process. */
export interface ChildCoordinator {
  readonly address: string;
  readonly pid: number;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** SIGKILL; resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM (graceful stop); resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts the CLI with `env` (merged over this process's environment) and resolves once it
 * printed its listening line; rejects with its output when it exits or does not get ready.
 */
export function startChildCoordinator(env: Record<string, string>): Promise<ChildCoordinator> {
  const child = spawn(process.execPath, ["--import", "tsx", CLI], {
    // Text log lines: the tests read this output as a person would (stderr is a pipe here, JSON by default).
    env: { ...process.env, ANGZARR_LOG: "warn", ANGZARR_LOG_FORMAT: "text", ...env, ANGZARR_EXIT_WITH_PARENT: "1" },
    stdio: ["pipe", "pipe", "pipe"],
    detached: true,
  });
  ownGroup(child);
  const kill = () => killGroup(child);
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearInterval(poll);
      clearTimeout(timer);
      kill();
      reject(new Error(`coordinator ${why}; output:\n${output}`));
    };
    const timer = setTimeout(() => fail(`not ready within ${START_DEADLINE_MS} ms`), START_DEADLINE_MS);
    void exited.then((code) => fail(`exited with code ${code} during start-up`));
    const poll = setInterval(() => {
      const match = READY.exec(output);
      if (!match) return;
      settled = true;
      clearInterval(poll);
      clearTimeout(timer);
      resolve(handle(child, match[1]!, () => output, exited));
    }, 10);
  });
}

function handle(child: ChildProcess, address: string, output: () => string, exited: Promise<number | null>): ChildCoordinator {
  return {
    address,
    pid: child.pid!,
    output,
    async kill() {
      killGroup(child);
      await exited;
    },
    async stop() {
      child.kill("SIGTERM");
      return exited;
    },
  };
}
