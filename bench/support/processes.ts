/**
 * Child processes and clean-up of the coordinator benchmark: every process started here and
 * every registered clean-up runs at the end, also on SIGINT/SIGTERM, so a run leaves no process,
 * temporary directory or database schema behind.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const children = new Set<ChildProcess>();
const cleanups: Array<() => Promise<void> | void> = [];
const START_DEADLINE_MS = 60_000;
const STOP_DEADLINE_MS = 15_000;

/** A program from this repository running as a child process. */
export interface Child {
  /** The address it printed on its ready line. */
  readonly address: string;
  readonly pid: number;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then SIGKILL after a grace period; resolves once the process is gone. */
  stop(): Promise<void>;
}

/** Absolute path of a repository file given relative to this directory. */
export function repoPath(relative: string): string {
  return fileURLToPath(new URL(relative, import.meta.url));
}

/**
 * Runs `script` (TypeScript, through tsx) with `env` over this process's environment and
 * resolves once a line matches `ready` (its first group is the address).
 */
export function startChild(script: string, env: Record<string, string>, ready: RegExp, nodeArgs: string[] = []): Promise<Child> {
  // Standard input is a pipe from here: the children stop when it closes, so even a SIGKILLed
  // benchmark leaves nothing running (the coordinator CLI reads ANGZARR_EXIT_WITH_PARENT).
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", script], {
    env: { ...process.env, ANGZARR_EXIT_WITH_PARENT: "1", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  children.add(child);
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      children.delete(child);
      resolve();
    }),
  );
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_DEADLINE_MS);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error?: Error, address?: string) => {
      if (settled) return;
      settled = true;
      clearInterval(poll);
      clearTimeout(timer);
      if (error) {
        child.kill("SIGKILL");
        reject(error);
      } else {
        resolve({ address: address!, pid: child.pid!, output: () => output, stop });
      }
    };
    const timer = setTimeout(() => finish(new Error(`${script} not ready within ${START_DEADLINE_MS} ms:\n${output}`)), START_DEADLINE_MS);
    void exited.then(() => finish(new Error(`${script} exited during start-up (code ${child.exitCode}):\n${output}`)));
    const poll = setInterval(() => {
      const match = ready.exec(output);
      if (match) finish(undefined, match[1]);
    }, 10);
  });
}

/** Registers work for {@link cleanUp} (run in reverse registration order). */
export function onCleanUp(fn: () => Promise<void> | void): void {
  cleanups.push(fn);
}

let cleaning: Promise<void> | undefined;
let signalled: NodeJS.Signals | undefined;

/** The signal that is stopping the benchmark, if any. */
export function stoppedBy(): NodeJS.Signals | undefined {
  return signalled;
}

/**
 * Stops every child still running, then runs every registered clean-up, once each; later
 * calls wait for the same work.
 */
export function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const child of [...children]) child.kill("SIGTERM");
    const deadline = Date.now() + STOP_DEADLINE_MS;
    while (children.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const child of children) child.kill("SIGKILL");
    while (cleanups.length > 0) {
      const fn = cleanups.pop()!;
      try {
        await fn();
      } catch (err) {
        console.error(`clean-up failed: ${(err as Error).message}`);
      }
    }
  })();
  return cleaning;
}

/** On SIGINT/SIGTERM: clean up, then exit; on any exit: SIGKILL whatever is left. */
export function installSignalHandlers(): void {
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) return;
    signalled = signal;
    console.error(`\n${signal}: stopping children and removing temporary stores`);
    void cleanUp().finally(() => process.exit(130));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("exit", () => {
    for (const child of children) child.kill("SIGKILL");
  });
}

/**
 * For the benchmark's own child programs: runs `stop` and exits on SIGTERM, SIGINT or when
 * standard input (a pipe from the benchmark) closes.
 */
export function exitWithParent(stop: () => Promise<void> | void): void {
  let stopping = false;
  const onStop = () => {
    if (stopping) return;
    stopping = true;
    void Promise.resolve()
      .then(stop)
      .finally(() => process.exit(0));
  };
  process.once("SIGTERM", onStop);
  process.once("SIGINT", onStop);
  process.stdin.once("end", onStop);
  process.stdin.once("close", onStop);
  process.stdin.resume();
}
