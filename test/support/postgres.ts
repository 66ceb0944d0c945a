/**
 * The PostgreSQL server the tests use, found or started once per process:
 *
 * 1. `ANGZARR_TEST_PG_URI` when it is set (`npm test` sets it for every stage);
 * 2. else `postgres://postgres@127.0.0.1:5432/test` when that answers;
 * 3. else a private server of the suite's own (test/support/postgres-server.ts) on a free
 *    port in a temporary directory, stopped with {@link TestPostgres.stop} or, at the latest,
 *    when this process ends (its standard input is a pipe from this process).
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import pg from "pg";

/** A PostgreSQL server for tests. */
export interface TestPostgres {
  /** Connection URI of a database the tests may create schemas in. */
  readonly uri: string;
  /** Where it came from: the environment, the local server on 5432, or started here. */
  readonly origin: "env" | "local" | "private";
  /** Process id of the process holding a private server. */
  readonly pid?: number;
  /** Stops a private server (no-op otherwise). */
  stop(): Promise<void>;
}

export const LOCAL_PG_URI = "postgres://postgres@127.0.0.1:5432/test";
const SERVER_SCRIPT = fileURLToPath(new URL("./postgres-server.ts", import.meta.url));
/** A hang guard: initdb and the first start take seconds, more on a loaded machine. */
const START_DEADLINE_MS = 120_000;

let shared: Promise<TestPostgres> | undefined;

/** The server for this process (found or started on the first call, then reused). */
export function testPostgres(): Promise<TestPostgres> {
  shared ??= findOrStart();
  return shared;
}

async function findOrStart(): Promise<TestPostgres> {
  const fromEnv = process.env.ANGZARR_TEST_PG_URI?.trim();
  if (fromEnv) return { uri: fromEnv, origin: "env", stop: async () => undefined };
  if (await answers(LOCAL_PG_URI)) return { uri: LOCAL_PG_URI, origin: "local", stop: async () => undefined };
  return startPrivateServer();
}

/** True when a connection to `uri` succeeds within a couple of seconds. */
export async function answers(uri: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: uri, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Starts test/support/postgres-server.ts and resolves with its URI once it is ready. */
export function startPrivateServer(): Promise<TestPostgres> {
  const child = spawn(process.execPath, ["--import", "tsx", SERVER_SCRIPT], { stdio: ["pipe", "pipe", "pipe"] });
  // Neither the pipe nor the child may keep this process alive: the server follows us out.
  child.unref();
  (child.stdout as unknown as { unref(): void }).unref();
  (child.stderr as unknown as { unref(): void }).unref();
  (child.stdin as unknown as { unref(): void }).unref();
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGTERM");
      reject(new Error(`the private PostgreSQL server did not start within ${START_DEADLINE_MS} ms:\n${output}`));
    }, START_DEADLINE_MS);
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /^postgres ready (\S+)$/m.exec(output);
      if (!match) return;
      clearTimeout(timer);
      resolve({
        uri: match[1]!,
        origin: "private",
        pid: child.pid,
        async stop() {
          child.ref(); // wait for it, even when nothing else keeps this process alive
          child.stdin.end();
          await exited;
        },
      });
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the private PostgreSQL server exited during start-up:\n${output}`));
    });
  });
}
