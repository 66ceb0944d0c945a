/**
 * Processes for the interop suite: the Python programs in ./python (servers and clients), our
 * coordinator's CLI and the TypeScript orders handler, each started as a child process in its own
 * process group, so that stopping it stops everything it started.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Any } from "../../src/gen/google/protobuf/any.js";
import { messageTypeRegistry as angzarrTypes } from "../../src/gen/typeRegistry.js";
import { messageTypeRegistry as exampleTypes } from "../../examples/gen/typeRegistry.js";
import { typeNameFromUrl } from "../../src/core/any.js";
import { accepts, freePort } from "../support/ports.js";

const HERE = fileURLToPath(new URL(".", import.meta.url));
export const REPO = resolve(HERE, "../..");
export const PYTHON_DIR = join(HERE, "python");
/** Start-up of a process on a shared, busy 2-core machine: a hang guard, not a speed claim. */
const START_DEADLINE_MS = 120_000;
const STOP_GRACE_MS = 10_000;

const running = new Set<ChildProcess>();
// Last resort if the test process exits without its `after` hook: no process group survives it.
process.once("exit", () => {
  for (const child of running) killGroup(child, "SIGKILL");
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

/** A running child process (its own process group). */
export interface Proc {
  readonly name: string;
  readonly pid: number;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** What it wrote to stdout so far. */
  stdout(): string;
  /** True once it exited. */
  exited(): boolean;
  /** SIGTERM to its process group, SIGKILL after a grace period; resolves once it is gone. */
  stop(): Promise<void>;
}

/** Spawns `cmd args` in a new process group with `env` over this process's environment. */
export function startProcess(name: string, cmd: string, args: string[], env: Record<string, string>): Proc {
  const child = spawn(cmd, args, { cwd: REPO, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  running.add(child);
  let output = "";
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  let done = false;
  const exit = new Promise<void>((res) =>
    child.once("exit", () => {
      done = true;
      running.delete(child);
      res();
    }),
  );
  return {
    name,
    pid: child.pid!,
    output: () => output,
    stdout: () => stdout,
    exited: () => done,
    async stop() {
      if (done) return;
      killGroup(child, "SIGTERM");
      const timer = setTimeout(() => killGroup(child, "SIGKILL"), STOP_GRACE_MS);
      await exit;
      clearTimeout(timer);
      killGroup(child, "SIGKILL"); // anything it left behind in its group
    },
  };
}

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/** Resolves with the first match of `pattern` in the process's output. */
export async function waitForOutput(proc: Proc, pattern: RegExp): Promise<RegExpExecArray> {
  const until = Date.now() + START_DEADLINE_MS;
  for (;;) {
    const match = pattern.exec(proc.output());
    if (match) return match;
    if (proc.exited()) throw new Error(`${proc.name} exited during start-up:\n${proc.output()}`);
    if (Date.now() > until) throw new Error(`${proc.name} printed no ${pattern} within ${START_DEADLINE_MS} ms:\n${proc.output()}`);
    await sleep(50);
  }
}

/** Resolves once the process accepts TCP connections on 127.0.0.1:`port`. */
export async function waitForPort(proc: Proc, port: number): Promise<void> {
  const until = Date.now() + START_DEADLINE_MS;
  for (;;) {
    if (await accepts(`127.0.0.1:${port}`)) return;
    if (proc.exited()) throw new Error(`${proc.name} exited during start-up:\n${proc.output()}`);
    if (Date.now() > until) throw new Error(`${proc.name} did not listen on port ${port} within ${START_DEADLINE_MS} ms:\n${proc.output()}`);
    await sleep(100);
  }
}

/** Where the Python programs find the generated example messages and each other. */
export interface PythonSetup {
  python: string;
  /** Directory of the generated examples/*_pb2.py modules (removed by {@link PythonSetup.cleanup}). */
  genDir: string;
  env: Record<string, string>;
  cleanup(): void;
}

const run = promisify(execFile);

/**
 * Generates the example messages (examples/proto: orders, inventory) as Python modules with
 * grpcio-tools from the virtualenv, into a temporary directory.
 */
export async function preparePython(python: string): Promise<PythonSetup> {
  const genDir = mkdtempSync(join(tmpdir(), "angzarr-interop-py-"));
  await run(
    python,
    [
      "-m",
      "grpc_tools.protoc",
      "-I",
      "examples/proto",
      `--python_out=${genDir}`,
      "examples/proto/examples/orders.proto",
      "examples/proto/examples/inventory.proto",
    ],
    { cwd: REPO, timeout: START_DEADLINE_MS },
  );
  return {
    python,
    genDir,
    env: { PYTHONPATH: [genDir, PYTHON_DIR].join(":"), PYTHONUNBUFFERED: "1", PYTHONDONTWRITEBYTECODE: "1" },
    cleanup: () => rmSync(genDir, { recursive: true, force: true }),
  };
}

/** Starts a Python server program (python/<script>) on a free port; resolves once it listens. */
export async function startPythonServer(py: PythonSetup, script: string): Promise<{ proc: Proc; address: string }> {
  const port = await freePort();
  const proc = startProcess(script, py.python, [join(PYTHON_DIR, script)], { ...py.env, PORT: String(port) });
  await waitForPort(proc, port);
  return { proc, address: `127.0.0.1:${port}` };
}

/**
 * Runs a Python program (python/<script>) to its end and parses the last line of its stdout as
 * JSON. Runs asynchronously: the coordinator may live in this process.
 */
export async function runPythonJson<T>(py: PythonSetup, script: string, args: string[], timeoutMs: number): Promise<T> {
  const proc = startProcess(script, py.python, [join(PYTHON_DIR, script), ...args], py.env);
  const until = Date.now() + timeoutMs;
  while (!proc.exited()) {
    if (Date.now() > until) {
      await proc.stop();
      throw new Error(`${script} did not finish within ${timeoutMs} ms:\n${proc.output()}`);
    }
    await sleep(50);
  }
  const last = proc.stdout().trim().split("\n").at(-1) ?? "";
  try {
    return JSON.parse(last) as T;
  } catch {
    throw new Error(`${script} printed no JSON result:\n${proc.output()}`);
  }
}

/** The message in an Any as JSON (proto3 JSON names, defaults left out), whatever its type. */
export function anyToJson(any: Any): unknown {
  const name = typeNameFromUrl(any.typeUrl);
  const type = exampleTypes.get(name) ?? angzarrTypes.get(name);
  if (!type) throw new Error(`no generated type for ${any.typeUrl}`);
  return type.toJSON(type.decode(any.value));
}
